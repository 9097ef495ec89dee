using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// The stream value (Redis's <c>stream</c> struct, t_stream.c), in the shard's arena: a header blob and an
/// ordered index of listpack nodes keyed by each node's master ID.
/// <code>
///  header (HeaderSize bytes)
///   offset  size  field
///    0      u64   length                 live entries
///    8      u128  last_id                ms u64, seq u64 (native order)
///   24      u128  first_id               first live entry, 0-0 when empty
///   40      u128  max_deleted_entry_id
///   56      u64   entries_added
///   64      ptr   consumer groups        always null here: groups come with XGROUP (a later branch)
///   72      ptr   index                  NodeSize-byte slots, nodes in [start, start+count)
///   80      i32   start
///   84      i32   count                  nodes
///   88      i32   capacity               slots
///   92      i32   reserved (0)
///
///  index slot (NodeSize bytes)            node listpack (Redis's own layout, StreamValue.Node.cs)
///   0  u64  master ms                     [count][deleted][n][field_1..field_n][0]   master entry
///   8  u64  master seq                    [flags][ms-diff][seq-diff]([n][f v ...]|[v ...])[lp-count]  ...
///  16  ptr  listpack
/// </code>
/// The index is a sorted array with a movable start rather than Redis's rax: nodes are appended at the tail
/// (XADD) and removed mostly at the head (trimming), both O(1) amortized here; a lookup by ID is a binary
/// search over nodes (a node holds up to stream-node-max-entries entries, 100 by default, so a million
/// entries are ten thousand slots, 240 KB). Ordering by (ms, seq) as unsigned numbers is the order of Redis's
/// 16-byte big-endian rax keys, so iteration, seeks and the RDB writer (which emits the 16-byte key per node)
/// see what Redis's rax holds. A node removed from the middle (XDEL of its last live entry) shifts the shorter
/// side.
/// Unsafe invariant for the whole class: <c>s</c> is a live header from <see cref="Create"/> owned by the calling
/// shard's arena, and every node pointer in its index is a live listpack of that arena.
/// </summary>
public static unsafe partial class StreamValue
{
    public const int HeaderSize = 96;
    public const int NodeSize = 24;
    const int InitialCapacity = 4;

    // ---- header fields ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Length(byte* s) => *(ulong*)s;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void SetLength(byte* s, ulong v) => *(ulong*)s = v;

    public static StreamId LastId(byte* s) => ReadId(s + 8);
    public static void SetLastId(byte* s, StreamId id) => WriteId(s + 8, id);
    public static StreamId FirstId(byte* s) => ReadId(s + 24);
    public static void SetFirstId(byte* s, StreamId id) => WriteId(s + 24, id);
    public static StreamId MaxDeletedId(byte* s) => ReadId(s + 40);
    public static void SetMaxDeletedId(byte* s, StreamId id) => WriteId(s + 40, id);
    public static ulong EntriesAdded(byte* s) => *(ulong*)(s + 56);
    public static void SetEntriesAdded(byte* s, ulong v) => *(ulong*)(s + 56) = v;
    /// <summary>The consumer groups: null until groups exist (Redis's cgroups rax).</summary>
    public static byte* Groups(byte* s) => *(byte**)(s + 64);

    static byte* Index(byte* s) => *(byte**)(s + 72);
    static ref int Start(byte* s) => ref *(int*)(s + 80);
    static ref int Count(byte* s) => ref *(int*)(s + 84);
    static ref int Capacity(byte* s) => ref *(int*)(s + 88);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static StreamId ReadId(byte* p) => new(*(ulong*)p, *(ulong*)(p + 8));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void WriteId(byte* p, StreamId id) { *(ulong*)p = id.Ms; *(ulong*)(p + 8) = id.Seq; }

    /// <summary>Sets the counters as an RDB or a copy records them (the nodes are added first).</summary>
    public static void SetMeta(byte* s, ulong length, StreamId last, StreamId first, StreamId maxDeleted, ulong entriesAdded)
    {
        SetLength(s, length);
        SetLastId(s, last);
        SetFirstId(s, first);
        SetMaxDeletedId(s, maxDeleted);
        SetEntriesAdded(s, entriesAdded);
    }

    // ---- lifetime ----

    public static byte* Create(Arena arena)
    {
        byte* s = arena.Alloc(HeaderSize);
        new Span<byte>(s, HeaderSize).Clear();
        byte* index = arena.Alloc(InitialCapacity * NodeSize);
        *(byte**)(s + 72) = index;
        Capacity(s) = InitialCapacity;
        return s;
    }

    /// <summary>Frees every node, the index and the header.</summary>
    public static void Free(Arena arena, byte* s)
    {
        Debug.Assert(Groups(s) == null, "consumer groups are freed by their owner");
        int n = Count(s);
        for (int i = 0; i < n; i++) Listpack.Free(arena, NodeListpack(s, i));
        arena.Free(Index(s), (nuint)(Capacity(s) * NodeSize));
        arena.Free(s, HeaderSize);
    }

    /// <summary>Arena bytes of the header, the index and every node (MEMORY USAGE).</summary>
    public static long BytesUsed(byte* s)
    {
        long total = (long)Arena.UsableSize(HeaderSize) + (long)Arena.UsableSize((nuint)(Capacity(s) * NodeSize));
        int n = Count(s);
        for (int i = 0; i < n; i++) total += (long)Arena.UsableSize((nuint)Listpack.TotalBytes(NodeListpack(s, i)));
        return total;
    }

    // ---- the node index ----

    /// <summary>Nodes (Redis's raxSize of the stream's rax).</summary>
    public static int NodeCount(byte* s) => Count(s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte* Slot(byte* s, int i)
    {
        Debug.Assert((uint)i < (uint)Count(s));
        return Index(s) + (long)(Start(s) + i) * NodeSize;
    }

    /// <summary>The master ID of node <paramref name="i"/> (0 = the oldest).</summary>
    public static StreamId NodeMasterId(byte* s, int i) => ReadId(Slot(s, i));

    public static byte* NodeListpack(byte* s, int i) => *(byte**)(Slot(s, i) + 16);

    static void SetNodeListpack(byte* s, int i, byte* lp) => *(byte**)(Slot(s, i) + 16) = lp;

    /// <summary>The last node whose master ID is &lt;= <paramref name="id"/> (raxSeek "&lt;="), or -1.</summary>
    public static int FindNodeAtOrBefore(byte* s, StreamId id)
    {
        int lo = 0, hi = Count(s) - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (NodeMasterId(s, mid) <= id) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found;
    }

    /// <summary>Adds a node after every other one: its master ID must exceed every node's.</summary>
    public static void AppendNode(Arena arena, byte* s, StreamId master, byte* lp)
    {
        Debug.Assert(Count(s) == 0 || NodeMasterId(s, Count(s) - 1) < master);
        if (Start(s) + Count(s) == Capacity(s)) MakeRoom(arena, s);
        int i = Count(s)++;
        byte* slot = Slot(s, i);
        WriteId(slot, master);
        *(byte**)(slot + 16) = lp;
    }

    /// <summary>Room for one more slot at the tail: slides the nodes to the front when at least a quarter of the
    /// slots lie before them, otherwise doubles the index.</summary>
    static void MakeRoom(Arena arena, byte* s)
    {
        int start = Start(s), count = Count(s), cap = Capacity(s);
        byte* index = Index(s);
        if (start > 0 && start >= cap / 4)
        {
            // Slots [start, start+count) move to [0, count): an overlapping move inside the index block.
            Buffer.MemoryCopy(index + (long)start * NodeSize, index, (long)cap * NodeSize, (long)count * NodeSize);
            Start(s) = 0;
            return;
        }
        int newCap = cap * 2;
        // Realloc keeps the first cap slots, which hold [start, start+count).
        *(byte**)(s + 72) = arena.Realloc(index, (nuint)(cap * NodeSize), (nuint)(newCap * NodeSize));
        Capacity(s) = newCap;
    }

    /// <summary>Frees node <paramref name="i"/>'s listpack and removes its slot.</summary>
    static void RemoveNode(Arena arena, byte* s, int i)
    {
        Listpack.Free(arena, NodeListpack(s, i));
        int count = Count(s);
        byte* slot = Slot(s, i);
        if (i < count / 2)
        {
            // Slots [start, start+i) shift right by one over the removed slot; start moves past it.
            byte* first = Slot(s, 0);
            Buffer.MemoryCopy(first, first + NodeSize, (long)i * NodeSize + NodeSize, (long)i * NodeSize);
            Start(s)++;
        }
        else
        {
            // Slots after i shift left by one, inside [start, start+count).
            long tail = (long)(count - 1 - i) * NodeSize;
            Buffer.MemoryCopy(slot + NodeSize, slot, tail + NodeSize, tail);
        }
        Count(s) = count - 1;
        if (Count(s) == 0) Start(s) = 0;
    }

    /// <summary>
    /// The node count Redis's rax would report for these keys (XINFO's radix-tree-nodes), computed from the sorted keys
    /// as rax lays them out: one node per branching prefix, one per key (a leaf), and one compressed node per maximal
    /// run of single-child prefixes, starting at the root or right below a branch. An empty stream is the root alone.
    /// </summary>
    public static long RaxNodeCount(byte* s)
    {
        int n = Count(s);
        return n == 0 ? 1 : RaxNodes(s, 0, n, 0, inRun: false);
    }

    static long RaxNodes(byte* s, int lo, int hi, int depth, bool inRun)
    {
        if (depth == 16) return 1;
        if (KeyByte(s, lo, depth) == KeyByte(s, hi - 1, depth))
            return (inRun ? 0 : 1) + RaxNodes(s, lo, hi, depth + 1, inRun: true);
        long total = 1;
        for (int g = lo; g < hi;)
        {
            int b = KeyByte(s, g, depth), end = g + 1;
            while (end < hi && KeyByte(s, end, depth) == b) end++;
            total += RaxNodes(s, g, end, depth + 1, inRun: false);
            g = end;
        }
        return total;
    }

    /// <summary>Byte <paramref name="depth"/> of node <paramref name="i"/>'s 16-byte big-endian key.</summary>
    static int KeyByte(byte* s, int i, int depth)
    {
        StreamId id = NodeMasterId(s, i);
        ulong half = depth < 8 ? id.Ms : id.Seq;
        return (int)(half >> (56 - 8 * (depth & 7))) & 0xFF;
    }
}
