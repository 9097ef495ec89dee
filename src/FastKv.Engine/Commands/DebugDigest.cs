using System;
using System.Buffers;
using System.Buffers.Binary;
using FastKv.Engine.Scripting;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// DEBUG DIGEST and DEBUG DIGEST-VALUE as Redis 7.2 computes them (debug.c, learned by asking Redis 7.2.4), from two
/// SHA-1 steps over a 20-byte digest: <c>xor(d, data)</c> sets d ^= SHA1(data) (order-free, for set members, hash and
/// sorted-set pairs and the keys of a database), <c>mix(d, data)</c> sets d = SHA1(d ^ SHA1(data)) (ordered).
/// <code>
///  value digest, from d:  mix(d, type as 4 bytes big-endian: string 0, list 1, set 2, zset 3, hash 4, stream 6)
///    string               mix(value)  (an int encoding as its decimal)
///    list                 mix(each element, head to tail)
///    set                  xor(each member)
///    hash / sorted set    xor(e) per pair, e = mix(mix(0, field or member), value or score)  (score as fpconv_dtoa writes it)
///    stream               per entry: mix("ms.seq"), then mix(field), mix(value) per field  (groups are not in it)
///    with a TTL           xor("!!expire!!")
///  DIGEST-VALUE key       the value digest from 0 (40 zeros for a missing key)
///  DIGEST                 per database with keys, in order: f = mix(f, db as 4 bytes big-endian), then
///                         xor(f, d) per key, d = the value digest from mix(0, key)
/// </code>
/// The elements are read from the key's AOF command form (<see cref="AofBaseEncode.WriteEntry"/>: SET, RPUSH, SADD,
/// ZADD, HMSET, XADD, PEXPIREAT), whose texts are the ones Redis digests. Expired keys still held count, as Redis's
/// dictFind sees them. Unsafe invariant for the whole class: an entry pointer is a live entry of the calling shard.
/// </summary>
public static unsafe class DebugDigest
{
    public const int Size = 20;

    /// <summary>d ^= SHA1(data).</summary>
    public static void Xor(Span<byte> d, ReadOnlySpan<byte> data)
    {
        Span<byte> h = stackalloc byte[Size];
        Sha1.Hash(data, h);
        for (int i = 0; i < Size; i++) d[i] ^= h[i];
    }

    /// <summary>d = SHA1(d ^ SHA1(data)).</summary>
    public static void Mix(Span<byte> d, ReadOnlySpan<byte> data)
    {
        Xor(d, data);
        Span<byte> copy = stackalloc byte[Size];
        d.CopyTo(copy);
        Sha1.Hash(copy, d);
    }

    static void MixInt(Span<byte> d, int v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(b, v);
        Mix(d, b);
    }

    /// <summary>Redis's OBJ_* type number of a FastKv value kind.</summary>
    static int RedisType(byte kind) => kind switch
    {
        ValueKind.String => 0,
        ValueKind.List => 1,
        ValueKind.Set => 2,
        ValueKind.ZSet => 3,
        ValueKind.Hash => 4,
        _ => 6,
    };

    /// <summary>
    /// xorObjectDigest: the value digest of entry <paramref name="e"/>, continuing from <paramref name="d"/>;
    /// <paramref name="scratch"/> holds the entry's AOF form meanwhile (reused from key to key).
    /// </summary>
    public static void Value(byte* e, Span<byte> d, ArrayBufferWriter<byte> scratch)
    {
        MixInt(d, RedisType(KeyEntry.Type(e)));
        scratch.ResetWrittenCount();
        AofBaseEncode.WriteEntry(scratch, e);
        Walk(scratch.WrittenSpan, d);
    }

    /// <summary>The key-value digest DEBUG DIGEST xors into its database's sum: the value digest from mix(0, key).</summary>
    public static void KeyValue(byte* e, Span<byte> d, ArrayBufferWriter<byte> scratch)
    {
        d.Clear();
        Mix(d, KeyEntry.Key(e));
        Value(e, d, scratch);
    }

    /// <summary>Folds the commands of one entry's AOF form into <paramref name="d"/>.</summary>
    static void Walk(ReadOnlySpan<byte> resp, Span<byte> d)
    {
        Span<byte> pair = stackalloc byte[Size];
        Span<byte> dottedId = stackalloc byte[StreamId.MaxChars];
        bool expires = false;
        int pos = 0;
        while (pos < resp.Length)
        {
            int n = (int)ReadLength(resp, ref pos, (byte)'*');
            ReadOnlySpan<byte> name = ReadBulk(resp, ref pos);
            ReadBulk(resp, ref pos); // the key
            int left = n - 2;
            if (name.SequenceEqual("SET"u8) || name.SequenceEqual("RPUSH"u8))
            {
                for (; left > 0; left--) Mix(d, ReadBulk(resp, ref pos));
            }
            else if (name.SequenceEqual("SADD"u8))
            {
                for (; left > 0; left--) Xor(d, ReadBulk(resp, ref pos));
            }
            else if (name.SequenceEqual("HMSET"u8) || name.SequenceEqual("ZADD"u8))
            {
                bool zset = name[0] == (byte)'Z';
                for (; left > 0; left -= 2)
                {
                    ReadOnlySpan<byte> a = ReadBulk(resp, ref pos), b = ReadBulk(resp, ref pos);
                    pair.Clear();
                    // ZADD holds score then member; the digest takes the member first.
                    Mix(pair, zset ? b : a);
                    Mix(pair, zset ? a : b);
                    Xor(d, pair);
                }
            }
            else if (name.SequenceEqual("XADD"u8))
            {
                ReadOnlySpan<byte> id = ReadBulk(resp, ref pos);
                left--;
                if (id.SequenceEqual("MAXLEN"u8)) { Skip(resp, ref pos, left); continue; } // the empty stream's form
                // The entry ID as Redis's "%U.%U" writes it.
                Span<byte> dotted = dottedId.Slice(0, id.Length);
                id.CopyTo(dotted);
                int dash = dotted.IndexOf((byte)'-');
                if (dash >= 0) dotted[dash] = (byte)'.';
                Mix(d, dotted);
                for (; left > 0; left--) Mix(d, ReadBulk(resp, ref pos));
            }
            else
            {
                // PEXPIREAT, or a stream's XSETID / XGROUP / XCLAIM (groups are not digested).
                if (name.SequenceEqual("PEXPIREAT"u8)) expires = true;
                Skip(resp, ref pos, left);
            }
        }
        if (expires) Xor(d, "!!expire!!"u8);
    }

    static void Skip(ReadOnlySpan<byte> resp, ref int pos, int count)
    {
        for (; count > 0; count--) ReadBulk(resp, ref pos);
    }

    static long ReadLength(ReadOnlySpan<byte> resp, ref int pos, byte prefix)
    {
        if (resp[pos] != prefix) throw new InvalidOperationException("unexpected AOF form");
        int end = resp.Slice(pos).IndexOf((byte)'\r') + pos;
        if (!RespNumber.TryParseInt64(resp.Slice(pos + 1, end - pos - 1), out long n)) throw new InvalidOperationException("unexpected AOF form");
        pos = end + 2;
        return n;
    }

    static ReadOnlySpan<byte> ReadBulk(ReadOnlySpan<byte> resp, ref int pos)
    {
        int len = (int)ReadLength(resp, ref pos, (byte)'$');
        ReadOnlySpan<byte> s = resp.Slice(pos, len);
        pos += len + 2;
        return s;
    }
}
