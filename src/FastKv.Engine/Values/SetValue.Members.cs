using System;
using System.Diagnostics;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

// Reading members out of a set: random draws (SPOP, SRANDMEMBER) and reply writing.
public static unsafe partial class SetValue
{
    /// <summary>A uniform random number in [0, n) from one 64-bit draw (multiply-high, no modulo bias worth naming).</summary>
    public static long Below(ulong random, long n) => (long)Math.BigMul(random, (ulong)n, out _);

    /// <summary>
    /// A uniformly random member of a non-empty set (setTypeRandomElement). For a listpack,
    /// <paramref name="entry"/> is the member's entry (to delete it without searching); otherwise null.
    /// <paramref name="rng"/> is a generator state the caller owns (seeded from the shard's).
    /// </summary>
    public static ListpackValue Random(SetRef s, ref ulong rng, out byte* entry)
    {
        entry = null;
        switch (s.Encoding)
        {
            case ValueEncoding.IntSet:
                return new ListpackValue(Intset.Get(s.Ptr, (int)Below(SplitMix(ref rng), Intset.Length(s.Ptr))));
            case ValueEncoding.ListPack:
                entry = Listpack.Seek(s.Ptr, (int)Below(SplitMix(ref rng), Listpack.Count(s.Ptr)));
                return Listpack.Get(entry);
            default:
                byte* e = FieldTable.Random(s.Ptr, ref rng);
                Debug.Assert(e != null, "random member of an empty set");
                return new ListpackValue(FieldTable.ElementField(e));
        }
    }

    /// <summary>SplitMix64 step: the generator behind every random choice of the set commands.</summary>
    public static ulong SplitMix(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A member as a bulk string (addReplyBulkLongLong for integers).</summary>
    public static void WriteMember(RespWriter w, in ListpackValue m)
    {
        if (m.IsInteger) w.BulkInteger(m.Integer);
        else w.Bulk(m.Bytes);
    }

    /// <summary>Every member, as the body of a reply whose header the caller wrote.</summary>
    public static void WriteMembers(RespWriter w, SetRef s)
    {
        nint* buf = stackalloc nint[SetIterator.BufferLength];
        var it = new SetIterator(s, buf);
        while (it.Next(out ListpackValue m)) WriteMember(w, m);
    }
}
