using System;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// The set family (Redis t_set.c). A set key's value points at an intset, a listpack or a table
/// (<see cref="SetValue"/> holds the encodings and their conversions). This file holds registration,
/// the single-key reads and writes and SMOVE; SetCommands.Random.cs SPOP and SRANDMEMBER;
/// SetCommands.Algebra.cs SINTER, SUNION, SDIFF, their STORE forms and SINTERCARD; SetCommands.Scan.cs SSCAN.
/// Every write path that can empty a set deletes the key, as Redis does.
///
/// Multi-key commands register <see cref="CrossShard.Gather"/>: when their keys live on several shards
/// the engine runs the same handler over copies gathered on one shard.
///
/// Unsafe invariant for the whole family: an entry pointer is valid until the entry is removed; the
/// structure it points at is valid until the next write to that set, after which the handler stores
/// the <see cref="SetRef"/> it changed back into the entry (or removes the entry) before anything else.
/// </summary>
public static unsafe partial class SetCommands
{

    public static void Register(CommandTable t)
    {
        t.Add("sadd", &SAdd);
        t.Add("srem", &SRem);
        t.Add("smembers", &SMembers);
        t.Add("sismember", &SIsMember);
        t.Add("smismember", &SMIsMember);
        t.Add("scard", &SCard);
        t.Add("spop", &SPop);
        t.Add("srandmember", &SRandMember);
        t.Add("smove", &SMove, CrossShard.Gather);
        t.Add("sinter", &SInter, CrossShard.Gather);
        t.Add("sintercard", &SInterCard, CrossShard.Gather, keys: &CommandTable.NumKeysAt1);
        t.Add("sunion", &SUnion, CrossShard.Gather);
        t.Add("sdiff", &SDiff, CrossShard.Gather);
        t.Add("sinterstore", &SInterStore, CrossShard.Gather).Event = "sinterstore"u8.ToArray();
        t.Add("sunionstore", &SUnionStore, CrossShard.Gather).Event = "sunionstore"u8.ToArray();
        t.Add("sdiffstore", &SDiffStore, CrossShard.Gather).Event = "sdiffstore"u8.ToArray();
        t.Add("sscan", &SScan);
    }


    /// <summary>SINTERCARD numkeys key [key ...] [LIMIT n]: the keys follow numkeys.</summary>
    // ---- single-key writes ---------------------------------------------------------------------

    /// <summary>SADD key member [member ...]: a new set's encoding comes from its first member and the member count.</summary>
    static void SAdd(ref CommandContext c)
    {
        if (!c.WriteTyped(1, ValueKind.Set, out byte* e)) return;
        Arena arena = c.Shard.Arena;
        ServerConfig cfg = c.Shard.Server.Config;
        int members = c.Count - 2;
        SetRef s;
        if (e == null)
        {
            s = SetValue.Create(arena, cfg, c.Arg(2), members);
        }
        else
        {
            s = SetValue.Load(e);
            SetValue.MaybeConvert(arena, cfg, ref s, members);
        }
        long added = 0;
        for (int i = 2; i < c.Count; i++)
            if (SetValue.Add(arena, cfg, ref s, c.Arg(i))) added++;
        if (e == null) c.Db.AddCollection(c.Arg(1), ValueKind.Set, s.Encoding, s.Ptr);
        else SetValue.Store(e, s);
        if (added > 0)
        {
            c.Dirty(added);
            c.Modified(1, NotifyClass.Set, "sadd"u8);
        }
        c.W.Integer(added);
    }

    /// <summary>SREM key member [member ...]: stops at the member that empties the set, and deletes the key.</summary>
    static void SRem(ref CommandContext c)
    {
        if (!c.WriteTyped(1, ValueKind.Set, out byte* e)) return;
        if (e == null) { c.W.Integer(0); return; }
        Arena arena = c.Shard.Arena;
        SetRef s = SetValue.Load(e);
        long removed = 0;
        for (int i = 2; i < c.Count; i++)
        {
            if (!SetValue.Remove(arena, ref s, c.Arg(i))) continue;
            removed++;
            if (SetValue.Count(s) == 0) break;
        }
        SetValue.Store(e, s);
        if (removed > 0)
        {
            c.Dirty(removed);
            c.Modified(1, NotifyClass.Set, "srem"u8);
        }
        if (SetValue.Count(s) == 0)
        {
            c.Db.Remove(e);
            c.Modified(1, NotifyClass.Generic, "del"u8);
        }
        c.W.Integer(removed);
    }

    /// <summary>
    /// SMOVE source destination member. A missing source answers 0 before any type check of the
    /// destination; the same key on both sides only answers membership.
    /// </summary>
    static void SMove(ref CommandContext c)
    {
        byte* src = c.Db.Find(c.Arg(1));
        byte* dst = c.Db.Find(c.Arg(2));
        if (src == null) { c.W.Integer(0); return; }
        if (KeyEntry.Type(src) != ValueKind.Set || (dst != null && KeyEntry.Type(dst) != ValueKind.Set))
        {
            c.W.Error(Errors.WrongType);
            return;
        }
        ReadOnlySpan<byte> member = c.Arg(3);
        if (src == dst)
        {
            c.W.Integer(SetValue.Contains(SetValue.Load(src), member) ? 1 : 0);
            return;
        }
        Arena arena = c.Shard.Arena;
        ServerConfig cfg = c.Shard.Server.Config;
        SetRef from = SetValue.Load(src);
        if (!SetValue.Remove(arena, ref from, member)) { c.W.Integer(0); return; }
        SetValue.Store(src, from);
        // Redis counts the removal and, when the destination did not hold the member, the addition.
        c.Dirty();
        c.Modified(1, NotifyClass.Set, "srem"u8);
        if (SetValue.Count(from) == 0)
        {
            c.Db.Remove(src);
            c.Modified(1, NotifyClass.Generic, "del"u8);
        }
        bool added = true;
        if (dst == null)
        {
            SetRef to = SetValue.Create(arena, cfg, member, 1);
            SetValue.Add(arena, cfg, ref to, member);
            c.Db.AddCollection(c.Arg(2), ValueKind.Set, to.Encoding, to.Ptr);
        }
        else
        {
            SetRef to = SetValue.Load(dst);
            added = SetValue.Add(arena, cfg, ref to, member);
            SetValue.Store(dst, to);
        }
        if (added)
        {
            c.Dirty();
            c.Modified(2, NotifyClass.Set, "sadd"u8);
        }
        c.W.Integer(1);
    }

    // ---- single-key reads ----------------------------------------------------------------------

    static void SMembers(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.Set, out byte* e)) return;
        if (e == null) { c.W.SetHeader(0); return; }
        SetRef s = SetValue.Load(e);
        c.W.SetHeader((int)SetValue.Count(s));
        SetValue.WriteMembers(c.W, s);
    }

    static void SIsMember(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.Set, out byte* e)) return;
        c.W.Integer(e != null && SetValue.Contains(SetValue.Load(e), c.Arg(2)) ? 1 : 0);
    }

    /// <summary>SMISMEMBER: a missing key is an empty set, so every answer is 0.</summary>
    static void SMIsMember(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.Set, out byte* e)) return;
        c.W.ArrayHeader(c.Count - 2);
        for (int i = 2; i < c.Count; i++)
            c.W.Integer(e != null && SetValue.Contains(SetValue.Load(e), c.Arg(i)) ? 1 : 0);
    }

    static void SCard(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.Set, out byte* e)) return;
        c.W.Integer(e == null ? 0 : SetValue.Count(SetValue.Load(e)));
    }
}
