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
///   64      ptr   consumer groups        null until the first XGROUP CREATE (StreamGroups.cs)
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
/// The index is a sorted array with a movable start (<see cref="SlotArray"/>) rather than Redis's rax: nodes are
/// appended at the tail (XADD) and removed mostly at the head (trimming), both O(1) amortized here; a lookup by ID is a binary
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
    /// <summary>The consumer groups table (Redis's cgroups rax, <see cref="StreamGroups"/>): null until the first group.</summary>
    public static byte* Groups(byte* s) => *(byte**)(s + 64);
    internal static void SetGroups(byte* s, byte* table) => *(byte**)(s + 64) = table;

    /// <summary>The node index: a <see cref="SlotArray"/> header (its layout is the one drawn above at 72..95).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte* Nodes(byte* s) => s + 72;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int Count(byte* s) => SlotArray.Count(Nodes(s));

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
        return s;
    }

    /// <summary>Frees the consumer groups, every node, the index and the header.</summary>
    public static void Free(Arena arena, byte* s)
    {
        var cursor = new Collection.FreeCursor();
        int budget = int.MaxValue;
        FreeSome(arena, s, ref cursor, ref budget);
    }

    /// <summary>
    /// A free in steps (lazy free): the consumer groups first (one step, one from the budget), then the nodes' listpacks
    /// in order, one from the budget each; true once the index and the header are gone too. The stream must be out of
    /// every keyspace.
    /// </summary>
    public static bool FreeSome(Arena arena, byte* s, ref Collection.FreeCursor cursor, ref int budget)
    {
        if (cursor.Phase == 0)
        {
            StreamGroups.FreeAll(arena, s);
            cursor.Phase = 1;
            budget--;
        }
        int n = Count(s);
        while ((int)cursor.Position < n && budget > 0)
        {
            Listpack.Free(arena, NodeListpack(s, (int)cursor.Position));
            cursor.Position++;
            budget--;
        }
        if ((int)cursor.Position < n) return false;
        SlotArray.Free(arena, Nodes(s), NodeSize);
        arena.Free(s, HeaderSize);
        return true;
    }

    /// <summary>Arena bytes of the header, the index, every node and the groups (MEMORY USAGE).</summary>
    public static long BytesUsed(byte* s)
    {
        long total = StreamGroups.BytesUsed(s) + (long)Arena.UsableSize(HeaderSize) + SlotArray.BytesUsed(Nodes(s), NodeSize);
        int n = Count(s);
        for (int i = 0; i < n; i++) total += (long)Arena.UsableSize((nuint)Listpack.TotalBytes(NodeListpack(s, i)));
        return total;
    }

    // ---- the node index ----

    /// <summary>Nodes (Redis's raxSize of the stream's rax).</summary>
    public static int NodeCount(byte* s) => Count(s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte* Slot(byte* s, int i) => SlotArray.At(Nodes(s), i, NodeSize);

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
        byte* slot = SlotArray.Insert(arena, Nodes(s), Count(s), NodeSize);
        WriteId(slot, master);
        *(byte**)(slot + 16) = lp;
    }

    /// <summary>Frees node <paramref name="i"/>'s listpack and removes its slot.</summary>
    static void RemoveNode(Arena arena, byte* s, int i)
    {
        Listpack.Free(arena, NodeListpack(s, i));
        SlotArray.Remove(Nodes(s), i, NodeSize);
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
