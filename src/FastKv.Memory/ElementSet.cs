using System;
using System.Runtime.CompilerServices;

namespace FastKv.Memory;

/// <summary>
/// A set of byte strings for one validation at a time (loading an RDB value, RESTORE): "has this field or member
/// been seen?" over untrusted bytes, with no allocation once its arrays have grown to the largest value seen.
/// Elements are copied into one byte array and chained by hash; <see cref="Clear"/> is O(1): a bucket's head counts
/// only when its stamp is the current generation, so a set grown by one huge value costs nothing to the small ones after.
/// One per thread (<see cref="ForThread"/>): a shard decodes one value at a time.
/// </summary>
public sealed class ElementSet
{
    [ThreadStatic] static ElementSet? perThread;

    /// <summary>This thread's set, emptied.</summary>
    public static ElementSet ForThread()
    {
        ElementSet s = perThread ??= new ElementSet();
        s.Clear();
        return s;
    }

    byte[] bytes = new byte[1024];
    int used;
    int[] heads = new int[64];
    int[] stamps = new int[64];
    int generation = 1;
    int[] next = new int[32];
    int[] offset = new int[32];
    int[] length = new int[32];
    ulong[] hashes = new ulong[32];
    int count;

    public int Count => count;

    public void Clear()
    {
        used = 0;
        count = 0;
        if (++generation == int.MaxValue)
        {
            Array.Clear(stamps);
            generation = 1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    int Head(int b) => stamps[b] == generation ? heads[b] : -1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void SetHead(int b, int i)
    {
        heads[b] = i;
        stamps[b] = generation;
    }

    /// <summary>Adds the element; false when it was already there.</summary>
    public bool Add(ReadOnlySpan<byte> element)
    {
        ulong h = KeyHash.Hash(element);
        int b = (int)(h & (ulong)(heads.Length - 1));
        for (int i = Head(b); i >= 0; i = next[i])
            if (hashes[i] == h && bytes.AsSpan(offset[i], length[i]).SequenceEqual(element)) return false;
        if (count == next.Length) GrowEntries();
        if (bytes.Length - used < element.Length) Array.Resize(ref bytes, Math.Max(2 * bytes.Length, used + element.Length));
        element.CopyTo(bytes.AsSpan(used));
        offset[count] = used;
        length[count] = element.Length;
        hashes[count] = h;
        used += element.Length;
        if (count >= heads.Length) Rehash();
        b = (int)(h & (ulong)(heads.Length - 1));
        next[count] = Head(b);
        SetHead(b, count);
        count++;
        return true;
    }

    /// <summary>Adds an integer element by its decimal text (a listpack or ziplist integer entry).</summary>
    [SkipLocalsInit]
    public bool Add(long value)
    {
        Span<byte> text = stackalloc byte[20];
        value.TryFormat(text, out int n, default, System.Globalization.CultureInfo.InvariantCulture);
        return Add(text[..n]);
    }

    void GrowEntries()
    {
        int n = next.Length * 2;
        Array.Resize(ref next, n);
        Array.Resize(ref offset, n);
        Array.Resize(ref length, n);
        Array.Resize(ref hashes, n);
    }

    void Rehash()
    {
        heads = new int[heads.Length * 2];
        stamps = new int[heads.Length];
        for (int i = 0; i < count; i++)
        {
            int b = (int)(hashes[i] & (ulong)(heads.Length - 1));
            next[i] = Head(b);
            SetHead(b, i);
        }
    }
}
