using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace FastKv.Memory;

/// <summary>
/// An array of fixed-size slots in the shard's arena with a movable start, the ordered structure under the
/// stream's consumer groups (group table, pending-entry lists, consumer tables). The caller keeps the slots in
/// its own order and finds positions by binary search; inserting at the tail and removing at the head (how a
/// pending-entry list mostly moves: deliveries in ID order, acknowledgements oldest first) are O(1) amortized,
/// anywhere else costs a move of the shorter side. The header is embedded in the owner's blob:
/// <code>
///  header (HeaderSize bytes)
///   offset  size  field
///    0      ptr   slots: capacity * slotSize bytes, null while capacity is 0
///    8      i32   start: first used slot
///   12      i32   count: used slots [start, start+count)
///   16      i32   capacity
///   20      i32   tag: the owner's own number, 0 at creation, never changed here
/// </code>
/// The slot size is not stored: every call passes the one its owner always uses.
/// Unsafe invariant for the whole class: <c>h</c> points at a header inside a live blob of the calling shard's
/// arena, zeroed at creation (an empty array) and changed only through this class with one slot size.
/// </summary>
public static unsafe class SlotArray
{
    public const int HeaderSize = 24;
    const int InitialCapacity = 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Count(byte* h) => *(int*)(h + 12);

    /// <summary>A number the owner keeps with the array (the header's tag): 0 at creation; no operation here changes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref int Tag(byte* h) => ref *(int*)(h + 20);

    static ref int Start(byte* h) => ref *(int*)(h + 8);
    static ref int CountRef(byte* h) => ref *(int*)(h + 12);
    static ref int Capacity(byte* h) => ref *(int*)(h + 16);
    static ref byte* Data(byte* h) => ref *(byte**)h;

    /// <summary>Slot <paramref name="i"/> of [0, Count): valid until the next insert or remove.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* At(byte* h, int i, int slotSize)
    {
        Debug.Assert((uint)i < (uint)Count(h));
        return Data(h) + (long)(Start(h) + i) * slotSize;
    }

    /// <summary>Opens a slot at position <paramref name="i"/> (0..Count) and returns it, uninitialized.</summary>
    public static byte* Insert(Arena arena, byte* h, int i, int slotSize)
    {
        int count = Count(h);
        Debug.Assert((uint)i <= (uint)count);
        if (count == 0) Start(h) = 0;
        bool front = i < count / 2 && Start(h) > 0;
        if (!front && Start(h) + count == Capacity(h)) MakeRoom(arena, h, slotSize);
        byte* data = Data(h);
        if (front)
        {
            // Slots [start, start+i) shift left by one into the free slot before start.
            byte* first = data + (long)Start(h) * slotSize;
            Buffer.MemoryCopy(first, first - slotSize, (long)i * slotSize + slotSize, (long)i * slotSize);
            Start(h)--;
        }
        else
        {
            // Slots [start+i, start+count) shift right by one; MakeRoom left a free slot after them.
            byte* at = data + (long)(Start(h) + i) * slotSize;
            long tail = (long)(count - i) * slotSize;
            Buffer.MemoryCopy(at, at + slotSize, tail + slotSize, tail);
        }
        CountRef(h) = count + 1;
        return At(h, i, slotSize);
    }

    /// <summary>Keeps the first <paramref name="count"/> slots (0..Count) and drops the rest.</summary>
    public static void Truncate(byte* h, int count)
    {
        Debug.Assert((uint)count <= (uint)Count(h));
        CountRef(h) = count;
        if (count == 0) Start(h) = 0;
    }

    /// <summary>Removes slot <paramref name="i"/>, moving the shorter side over it.</summary>
    public static void Remove(byte* h, int i, int slotSize)
    {
        int count = Count(h);
        Debug.Assert((uint)i < (uint)count);
        byte* at = At(h, i, slotSize);
        if (i < count / 2)
        {
            // Slots [start, start+i) shift right by one over the removed slot; start moves past it.
            byte* first = At(h, 0, slotSize);
            Buffer.MemoryCopy(first, first + slotSize, (long)i * slotSize + slotSize, (long)i * slotSize);
            Start(h)++;
        }
        else
        {
            // Slots after i shift left by one, inside [start, start+count).
            long tail = (long)(count - 1 - i) * slotSize;
            Buffer.MemoryCopy(at + slotSize, at, tail + slotSize, tail);
        }
        CountRef(h) = count - 1;
        if (count == 1) Start(h) = 0;
    }

    /// <summary>Room for one slot after the used ones: slides them to the front when at least a quarter of the
    /// slots lie before them, otherwise doubles the array.</summary>
    static void MakeRoom(Arena arena, byte* h, int slotSize)
    {
        int start = Start(h), count = Count(h), cap = Capacity(h);
        if (start > 0 && start >= cap / 4)
        {
            // Slots [start, start+count) move to [0, count) inside the same block.
            Buffer.MemoryCopy(Data(h) + (long)start * slotSize, Data(h), (long)cap * slotSize, (long)count * slotSize);
            Start(h) = 0;
            return;
        }
        int newCap = cap == 0 ? InitialCapacity : cap * 2;
        Data(h) = cap == 0
            ? arena.Alloc((nuint)(newCap * slotSize))
            : arena.Realloc(Data(h), (nuint)(cap * slotSize), (nuint)(newCap * slotSize));
        Capacity(h) = newCap;
    }

    /// <summary>Frees the slots (not what they point at) and leaves an empty array.</summary>
    public static void Free(Arena arena, byte* h, int slotSize)
    {
        if (Capacity(h) != 0) arena.Free(Data(h), (nuint)(Capacity(h) * slotSize));
        new Span<byte>(h, HeaderSize).Clear();
    }

    /// <summary>Arena bytes of the slots.</summary>
    public static long BytesUsed(byte* h, int slotSize)
        => Capacity(h) == 0 ? 0 : (long)Arena.UsableSize((nuint)(Capacity(h) * slotSize));

    /// <summary>
    /// Search over slots that begin with a stream ID (ms u64, seq u64, native order), sorted ascending: the position of
    /// <paramref name="ms"/>-<paramref name="seq"/>, or ~(where it would go).
    /// <para>
    /// A long array is narrowed by rounds of <see cref="Pivots"/> evenly spaced slots whose lines are all asked for
    /// before any is compared, so a round costs about one memory latency instead of one per halving: a pending-entry
    /// list of a thousand entries out of cache took ten dependent misses with plain bisection (most of XACK's time,
    /// perf/RESULTS.md), three or four rounds now. The last few slots are fetched together and bisected; an ID past
    /// the last slot is answered in the first round.
    /// </para>
    /// </summary>
    public static int FindId(byte* h, int slotSize, ulong ms, ulong seq) => FindId(h, slotSize, ms, seq, 0, Count(h));

    /// <summary>
    /// <see cref="FindId(byte*, int, ulong, ulong)"/> when the caller knows the answer lies in [<paramref name="lo"/>,
    /// <paramref name="hi"/>]: the slots before <paramref name="lo"/> are smaller than the ID and those from
    /// <paramref name="hi"/> on larger (0 &lt;= lo &lt;= hi &lt;= Count). Only that range is read.
    /// </summary>
    public static int FindId(byte* h, int slotSize, ulong ms, ulong seq, int lo, int hi)
    {
        // The answer lies in [lo, hi]: slots before lo are smaller, from hi on larger.
        Debug.Assert(0 <= lo && lo <= hi && hi <= Count(h));
        if (hi == lo) return ~lo;
        byte* data = At(h, 0, slotSize);
        bool first = hi - lo > 2 * Pivots;
        while (hi - lo > Pivots)
        {
            int step = (hi - lo) / (Pivots + 1);
            // Invariant: every pivot lo + k * step (k <= Pivots) is below hi <= Count, inside the slots.
            if (Sse.IsSupported)
            {
                for (int k = 1; k <= Pivots; k++) Sse.Prefetch0(data + (long)(lo + k * step) * slotSize);
                if (first) Sse.Prefetch0(data + (long)(hi - 1) * slotSize);
            }
            if (first)
            {
                // An ID past the last one (a delivery appended to a pending-entry list, an entry to the node index) is
                // answered by the last slot, fetched with the first round's pivots.
                first = false;
                byte* last = data + (long)(hi - 1) * slotSize;
                ulong lm = *(ulong*)last, lq = *(ulong*)(last + 8);
                if (lm < ms || (lm == ms && lq < seq)) return ~hi;
            }
            int nlo = lo, nhi = hi;
            for (int k = 1; k <= Pivots; k++)
            {
                int i = lo + k * step;
                byte* p = data + (long)i * slotSize;
                ulong m = *(ulong*)p, q = *(ulong*)(p + 8);
                if (m == ms && q == seq) return i;
                if (m < ms || (m == ms && q < seq)) nlo = i + 1;
                else
                {
                    nhi = i;
                    break;
                }
            }
            (lo, hi) = (nlo, nhi);
        }
        // At most Pivots slots left: all asked for, then bisected.
        if (Sse.IsSupported)
            for (int i = lo; i < hi; i++) Sse.Prefetch0(data + (long)i * slotSize);
        hi--;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            byte* p = data + (long)mid * slotSize;
            ulong m = *(ulong*)p, q = *(ulong*)(p + 8);
            if (m == ms && q == seq) return mid;
            if (m < ms || (m == ms && q < seq)) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }

    /// <summary>Slots compared per round of <see cref="FindId"/> (their lines fetched together).</summary>
    const int Pivots = 8;
}
