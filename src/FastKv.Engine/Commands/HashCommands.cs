using System;
using FastKv.Memory;

namespace FastKv.Engine.Commands;

/// <summary>
/// The hash family (Redis t_hash.c). The value's two encodings and their conversion live in
/// <see cref="HashValue"/>; this file holds registration and the reads, HashCommands.Write.cs the
/// writers and counters, HashCommands.Random.cs HRANDFIELD, HashCommands.Scan.cs HSCAN.
///
/// Unsafe invariant for the whole family: an entry pointer from ReadTyped/WriteTyped is valid until the
/// key is removed; pointers into its listpack or table (fields, values) are valid until the next write
/// to the hash, so every handler reads, replies, and only then writes.
/// </summary>
public static unsafe partial class HashCommands
{

    public static void Register(CommandTable t)
    {
        t.Add("hset", &HSet);
        t.Add("hmset", &HMSet);
        t.Add("hsetnx", &HSetNx);
        t.Add("hget", &HGet);
        t.Add("hmget", &HMGet);
        t.Add("hdel", &HDel);
        t.Add("hexists", &HExists);
        t.Add("hlen", &HLen);
        t.Add("hstrlen", &HStrLen);
        t.Add("hincrby", &HIncrBy);
        t.Add("hincrbyfloat", &HIncrByFloat);
        t.Add("hkeys", &HKeys);
        t.Add("hvals", &HVals);
        t.Add("hgetall", &HGetAll);
        t.Add("hrandfield", &HRandField);
        t.Add("hscan", &HScan);
    }


    // ---- single-field reads --------------------------------------------------------------------

    static void HGet(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.Hash, out byte* e)) return;
        if (e == null || !HashValue.TryGet(e, c.Arg(2), out ListpackValue v)) { c.W.NullBulk(); return; }
        HashValue.Reply(c.W, v);
    }

    /// <summary>HMGET: a missing key reads as an empty hash (all nulls); another type is WRONGTYPE.</summary>
    static void HMGet(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.Hash, out byte* e)) return;
        int n = c.Count - 2;
        c.W.ArrayHeader(n);
        for (int i = 2; i < c.Count; i++)
        {
            if (e != null && HashValue.TryGet(e, c.Arg(i), out ListpackValue v)) HashValue.Reply(c.W, v);
            else c.W.NullBulk();
        }
    }

    static void HExists(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.Hash, out byte* e)) return;
        c.W.Integer(e != null && HashValue.TryGet(e, c.Arg(2), out _) ? 1 : 0);
    }

    static void HLen(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.Hash, out byte* e)) return;
        c.W.Integer(e == null ? 0 : HashValue.Length(e));
    }

    static void HStrLen(ref CommandContext c)
    {
        if (!c.ReadTyped(1, ValueKind.Hash, out byte* e)) return;
        c.W.Integer(e != null && HashValue.TryGet(e, c.Arg(2), out ListpackValue v) ? HashValue.TextLength(v) : 0);
    }

    // ---- whole-hash reads ----------------------------------------------------------------------

    const int WithFields = 1, WithValues = 2;

    static void HKeys(ref CommandContext c) => GetAll(ref c, WithFields);

    static void HVals(ref CommandContext c) => GetAll(ref c, WithValues);

    static void HGetAll(ref CommandContext c) => GetAll(ref c, WithFields | WithValues);

    /// <summary>
    /// genericHgetallCommand: fields, values or both, in the structure's order (insertion order for a
    /// listpack, table order for a hashtable). Both together are a map in RESP3, a flat array in RESP2.
    /// </summary>
    static void GetAll(ref CommandContext c, int what)
    {
        if (!c.ReadTyped(1, ValueKind.Hash, out byte* e)) return;
        bool pairs = what == (WithFields | WithValues);
        long n = e == null ? 0 : HashValue.Length(e);
        if (pairs) c.W.MapHeader((int)n);
        else c.W.ArrayHeader((int)n);
        if (e == null) return;
        byte* p = Collection.Ptr(e);
        if (HashValue.IsListpack(e))
        {
            for (byte* f = Listpack.First(p); f != null; f = Listpack.Next(p, f))
            {
                if ((what & WithFields) != 0) HashValue.ReplyEntry(c.W, f);
                f = Listpack.Next(p, f);
                if ((what & WithValues) != 0) HashValue.ReplyEntry(c.W, f);
            }
            return;
        }
        var v = new ElementWriter { W = c.W, What = what };
        FieldTable.Enumerate(p, ref v);
    }

    /// <summary>
    /// Writes a table element's field, value or both as bulk strings; with <see cref="Nested"/> each
    /// field/value pair is its own 2-element array (HRANDFIELD WITHVALUES in RESP3).
    /// </summary>
    struct ElementWriter : IFieldVisitor
    {
        public FastKv.Protocol.RespWriter W;
        public int What;
        public bool Nested;

        public void Visit(byte* element)
        {
            if (Nested) W.ArrayHeader(2);
            if ((What & WithFields) != 0) W.Bulk(FieldTable.ElementField(element));
            if ((What & WithValues) != 0) W.Bulk(FieldTable.ElementValue(element));
        }
    }
}
