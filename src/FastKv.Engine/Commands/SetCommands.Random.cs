using System;
using System.Collections.Generic;
using System.Globalization;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

// SPOP and SRANDMEMBER (t_set.c spopWithCountCommand, srandmemberWithCountCommand). Random choices draw
// from a SplitMix64 state seeded once per command from the shard's generator. Reply shapes are Redis's:
// SPOP with a count answers a set (RESP3 '~'), SRANDMEMBER with a count an array (it may repeat members).
public static unsafe partial class SetCommands
{
    /// <summary>SPOP_MOVE_STRATEGY_MUL: popping more than 1/(1+5) of a set builds the survivors instead.</summary>
    const long SpopMoveStrategyMul = 5;
    /// <summary>SRANDMEMBER_SUB_STRATEGY_MUL: asking for more than a third of a set walks it instead of drawing.</summary>
    const long SrandmemberSubStrategyMul = 3;

    const string PositiveOnly = Errors.NotPositive;

    /// <summary>SPOP key [count]</summary>
    static void SPop(ref CommandContext c)
    {
        if (c.Count == 3) { SPopCount(ref c); return; }
        if (c.Count > 3) { c.W.Error(Errors.Syntax); return; }
        if (!c.WriteTyped(1, ValueKind.Set, out byte* e)) return;
        if (e == null) { c.W.NullBulk(); return; }
        SetRef s = SetValue.Load(e);
        ulong rng = c.Shard.NextRandom();
        // Propagated as SREM key member.
        var srem = AofForms.SRemBatches.Start(ref c, 1);
        PopOne(ref c, ref s, ref rng, ref srem);
        SetValue.Store(e, s);
        c.Dirty();
        c.Modified(1, NotifyClass.Set, "spop"u8);
        if (SetValue.Count(s) == 0)
        {
            c.Db.Remove(e);
            c.Modified(1, NotifyClass.Generic, "del"u8);
        }
    }

    /// <summary>Replies one random member and removes it (setTypePopRandom). The reply is written before
    /// the removal frees what the member's bytes point into.</summary>
    static void PopOne(ref CommandContext c, ref SetRef s, ref ulong rng, ref AofForms.SRemBatches srem)
    {
        ListpackValue m = SetValue.Random(s, ref rng, out byte* entry);
        SetValue.WriteMember(c.W, m);
        srem.Member(ref c, m);
        if (entry != null) s.Ptr = Listpack.Delete(c.Shard.Arena, s.Ptr, entry);
        else SetValue.Remove(c.Shard.Arena, ref s, m);
    }

    static void SPopCount(ref CommandContext c)
    {
        if (!RespNumber.TryParseInt64(c.Arg(2), out long count) || count < 0) { c.W.Error(PositiveOnly); return; }
        if (!c.WriteTyped(1, ValueKind.Set, out byte* e)) return;
        if (e == null || count == 0) { c.W.SetHeader(0); return; }
        Arena arena = c.Shard.Arena;
        SetRef s = SetValue.Load(e);
        long size = SetValue.Count(s);
        // CASE 1: the whole set goes.
        if (count >= size)
        {
            c.W.SetHeader((int)size);
            SetValue.WriteMembers(c.W, s);
            c.Db.Remove(e);
            c.Dirty(size);
            c.Modified(1, NotifyClass.Set, "spop"u8);
            c.Modified(1, NotifyClass.Generic, "del"u8);
            if (c.Shard.Aof.On) AofForms.Delete(ref c, c.Shard.Server.Config.LazyfreeLazyServerDel);
            return;
        }
        ulong rng = c.Shard.NextRandom();
        // The popped members are propagated as SREM records of up to 1024 members.
        var srem = AofForms.SRemBatches.Start(ref c, count);
        long remaining = size - count;
        c.W.SetHeader((int)count);
        c.Dirty(count);
        // CASE 2: few members go: pop them one by one.
        if (remaining * SpopMoveStrategyMul > count)
        {
            for (long i = 0; i < count; i++) PopOne(ref c, ref s, ref rng, ref srem);
            SetValue.Store(e, s);
            c.Modified(1, NotifyClass.Set, "spop"u8);
            return;
        }
        // CASE 3: most members go: move the survivors into a new set, reply what is left of the old one,
        // and let the new set take the key's place (its expiry stays). As 7.2, the survivors start in a
        // listpack unless they come from an intset, and grow by the usual rules.
        ServerConfig cfg = c.Shard.Server.Config;
        SetRef kept = s.Encoding == ValueEncoding.IntSet ? SetValue.NewIntset(arena) : SetValue.NewListpack(arena);
        for (long i = 0; i < remaining; i++)
        {
            ListpackValue m = SetValue.Random(s, ref rng, out byte* entry);
            SetValue.Add(arena, cfg, ref kept, m);
            if (entry != null) s.Ptr = Listpack.Delete(arena, s.Ptr, entry);
            else SetValue.Remove(arena, ref s, m);
        }
        nint* buf = stackalloc nint[SetIterator.BufferLength];
        var it = new SetIterator(s, buf);
        while (it.Next(out ListpackValue m))
        {
            SetValue.WriteMember(c.W, m);
            srem.Member(ref c, m);
        }
        SetValue.Free(arena, s);
        SetValue.Store(e, kept);
        c.Modified(1, NotifyClass.Set, "spop"u8);
    }

    /// <summary>SRANDMEMBER key [count]</summary>
    static void SRandMember(ref CommandContext c)
    {
        if (c.Count == 3) { SRandMemberCount(ref c); return; }
        if (c.Count > 3) { c.W.Error(Errors.Syntax); return; }
        if (!c.ReadTyped(1, ValueKind.Set, out byte* e)) return;
        if (e == null) { c.W.NullBulk(); return; }
        ulong rng = c.Shard.NextRandom();
        SetValue.WriteMember(c.W, SetValue.Random(SetValue.Load(e), ref rng, out _));
    }

    static void SRandMemberCount(ref CommandContext c)
    {
        if (!c.TryInt(2, out long l)) return;
        if (l == long.MinValue)
        {
            c.W.Error(Errors.LongOutOfRange);
            return;
        }
        bool unique = l >= 0;
        long count = Math.Abs(l);
        if (!c.ReadTyped(1, ValueKind.Set, out byte* e)) return;
        if (e == null || count == 0) { c.W.ArrayHeader(0); return; }
        SetRef s = SetValue.Load(e);
        long size = SetValue.Count(s);
        ulong rng = c.Shard.NextRandom();

        // CASE 1: repeats allowed (or one member): independent draws.
        if (!unique || count == 1)
        {
            LongArrayHeader(c.W, count);
            for (long i = 0; i < count; i++) SetValue.WriteMember(c.W, SetValue.Random(s, ref rng, out _));
            return;
        }
        // CASE 2: at least the whole set: all of it.
        if (count >= size)
        {
            c.W.ArrayHeader((int)size);
            SetValue.WriteMembers(c.W, s);
            return;
        }
        c.W.ArrayHeader((int)count);
        // CASE 2.5 (listpack) and 3: a large share of the set: one pass choosing each member with
        // probability needed/left (selection sampling), which gives every count-subset the same chance.
        if (s.Encoding == ValueEncoding.ListPack || count * SrandmemberSubStrategyMul > size)
        {
            WriteSample(ref c, s, count, size, ref rng);
            return;
        }
        // CASE 4: a small share of a large set: draw until count distinct members were found.
        WriteDistinctDraws(ref c, s, count, ref rng);
    }

    static void WriteSample(ref CommandContext c, SetRef s, long count, long size, ref ulong rng)
    {
        nint* buf = stackalloc nint[SetIterator.BufferLength];
        var it = new SetIterator(s, buf);
        long left = size;
        while (count > 0 && it.Next(out ListpackValue m))
        {
            if (SetValue.Below(SetValue.SplitMix(ref rng), left--) < count)
            {
                SetValue.WriteMember(c.W, m);
                count--;
            }
        }
    }

    /// <summary>Distinct random members of an intset (by position) or a table (by element); off the hot path.</summary>
    static void WriteDistinctDraws(ref CommandContext c, SetRef s, long count, ref ulong rng)
    {
        var seen = new HashSet<long>();
        while (seen.Count < count)
        {
            if (s.Encoding == ValueEncoding.IntSet)
            {
                long i = SetValue.Below(SetValue.SplitMix(ref rng), Intset.Length(s.Ptr));
                if (seen.Add(i)) c.W.BulkInteger(Intset.Get(s.Ptr, (int)i));
            }
            else
            {
                byte* el = FieldTable.Random(s.Ptr, ref rng);
                if (seen.Add((long)el)) c.W.Bulk(FieldTable.ElementField(el));
            }
        }
    }

    /// <summary>An array header for counts past int (SRANDMEMBER with a huge negative count).</summary>
    static void LongArrayHeader(RespWriter w, long n)
    {
        if (n <= int.MaxValue) { w.ArrayHeader((int)n); return; }
        w.Raw(System.Text.Encoding.ASCII.GetBytes("*" + n.ToString(CultureInfo.InvariantCulture) + "\r\n"));
    }
}
