using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastKv.Memory;

/// <summary>
/// Redis's quicklist (quicklist.c, 7.2 behaviour): a doubly linked list of listpack nodes, the in-memory
/// form of every list value. Everything lives in the shard's arena; the handle is the header blob, which
/// never moves, so a <c>KeyEntry</c> keeps the same pointer for the list's whole life.
/// <code>
///  header (one arena blob of HeaderBlobSize bytes)
///   offset  size  field
///    0      ptr   head node, null when empty
///    8      ptr   tail node, null when empty
///   16      i64   count: entries in all nodes
///   24      i64   bytes used: UsableSize of this blob, every node blob and every listpack block
///   32      i32   node count
///   36      i32   fill: Redis's list-max-listpack-size (clamped to -5..32767), or <see cref="Unlimited"/>
///
///  node (one arena blob of NodeBlobSize bytes)
///   offset  size  field
///    0      ptr   prev node, null for the head
///    8      ptr   next node, null for the tail
///   16      ptr   listpack blob (Listpack.cs: bytes identical to Redis's)
///   24      i32   sz: the listpack's total bytes (Redis's node->sz)
///   28      i32   count: the listpack's entries (exact even when its u16 header says unknown)
/// </code>
/// <para>
/// Fill is Redis's: -1..-5 cap a node's listpack at 4, 8, 16, 32, 64 KiB; a positive fill caps entries per
/// node (0 means 1) and, as a safety limit, bytes at 8 KiB. Every node with more than one entry stays within
/// the limit while the fill is unchanged; an element too big for any node under the fill gets a node of its
/// own (Redis 7.4's rule for large elements; 7.2 could pack one into a split node), and an LSET that would
/// push a node past the limit becomes a delete plus an insert (7.2 grows the node in place). <see cref="SetFill"/> leaves existing nodes as they are, so after it they may exceed the new
/// limit. Nodes are never empty.
/// </para>
/// <para>
/// <see cref="Unlimited"/> is how a list whose OBJECT ENCODING is <c>listpack</c> lives here: one node with
/// no limit, which is exactly Redis 7.2's listpack encoding. Converting to the <c>quicklist</c> encoding
/// is <see cref="SetFill"/> with the configured fill (the node stays, as quicklistAppendListpack does);
/// converting back (one node, small) sets <see cref="Unlimited"/> again. Node decisions (when to start a
/// node, split, merge) follow quicklist.c exactly, so node counts match Redis's and so do the encoding
/// conversions that depend on them.
/// </para>
/// Unsafe invariant for the whole class: <c>ql</c> points at a live header from <see cref="Create"/> in
/// the calling shard's arena, and <c>node</c> at a live node linked into that header's list.
/// </summary>
public static unsafe partial class QuickList
{
    public const int HeaderBlobSize = 40;
    public const int NodeBlobSize = 32;

    /// <summary>The fill of a list in the listpack encoding: one node, no limit.</summary>
    public const int Unlimited = int.MinValue;

    /// <summary>Redis's optimization_level: node byte limits for fills -1..-5.</summary>
    static ReadOnlySpan<int> SizeLimits => [4096, 8192, 16384, 32768, 65536];

    /// <summary>Redis's SIZE_SAFETY_LIMIT: the byte cap of a node under a positive (count) fill.</summary>
    public const int SafetyLimit = 8192;

    /// <summary>Redis's SIZE_ESTIMATE_OVERHEAD: what one more entry is assumed to add beyond its bytes.</summary>
    const int EntryOverheadEstimate = 8;


    /// <summary>quicklistSetFill's clamp for positive fills (the fill is a 16-bit field in Redis).</summary>
    public const int MaxFill = (1 << 15) - 1;
    public const int MinFill = -5;

    static readonly nuint HeaderUsable = Arena.UsableSize(HeaderBlobSize);
    static readonly nuint NodeUsable = Arena.UsableSize(NodeBlobSize);

    // ---- header fields ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* HeadNode(byte* ql) => *(byte**)ql;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* TailNode(byte* ql) => *(byte**)(ql + 8);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void SetHead(byte* ql, byte* node) => *(byte**)ql = node;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void SetTail(byte* ql, byte* node) => *(byte**)(ql + 8) = node;

    /// <summary>Entries in the list.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Count(byte* ql) => *(long*)(ql + 16);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref long CountRef(byte* ql) => ref *(long*)(ql + 16);

    /// <summary>Exact arena bytes held by the list: header, node blobs and listpack blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long BytesUsed(byte* ql) => *(long*)(ql + 24);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref long BytesRef(byte* ql) => ref *(long*)(ql + 24);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NodeCount(byte* ql) => *(int*)(ql + 32);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref int NodeCountRef(byte* ql) => ref *(int*)(ql + 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Fill(byte* ql) => *(int*)(ql + 36);

    // ---- node fields ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* PrevNode(byte* node) => *(byte**)node;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* NextNode(byte* node) => *(byte**)(node + 8);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void SetPrev(byte* node, byte* p) => *(byte**)node = p;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void SetNext(byte* node, byte* n) => *(byte**)(node + 8) = n;

    /// <summary>The node's listpack blob; valid until the next write to the list.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* NodeListpack(byte* node) => *(byte**)(node + 16);

    /// <summary>The node's listpack size in bytes (Redis's node->sz).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NodeBytes(byte* node) => *(int*)(node + 24);

    /// <summary>Entries in the node.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NodeEntries(byte* node) => *(int*)(node + 28);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ref int NodeEntriesRef(byte* node) => ref *(int*)(node + 28);

    // ---- lifecycle ----

    /// <summary>An empty list with the given fill (clamped as Redis's quicklistSetFill).</summary>
    public static byte* Create(Arena arena, int fill)
    {
        byte* ql = arena.Alloc(HeaderBlobSize);
        // ql is a fresh block of HeaderBlobSize bytes.
        new Span<byte>(ql, HeaderBlobSize).Clear();
        BytesRef(ql) = (long)HeaderUsable;
        SetFill(ql, fill);
        return ql;
    }

    /// <summary>Frees the header, every node and every listpack.</summary>
    public static void Free(Arena arena, byte* ql)
    {
        int budget = int.MaxValue;
        FreeSome(arena, ql, ref budget);
    }

    /// <summary>
    /// A free in steps (lazy free): frees up to <paramref name="budget"/> nodes from the head, each with its listpack,
    /// taking one from the budget per node (and one for the header); true once the whole list, header included, is gone. The list must be out
    /// of every keyspace: between steps only the head pointer is kept right (the rest of the header is stale).
    /// </summary>
    public static bool FreeSome(Arena arena, byte* ql, ref int budget)
    {
        byte* node = HeadNode(ql);
        while (node != null && budget > 0)
        {
            byte* next = NextNode(node);
            Listpack.Free(arena, NodeListpack(node));
            arena.Free(node, NodeBlobSize);
            node = next;
            budget--;
        }
        *(byte**)ql = node;
        if (node != null) return false;
        arena.Free(ql, HeaderBlobSize);
        budget--;
        return true;
    }

    /// <summary>Sets the fill used by later node decisions (Redis's quicklistSetFill clamp; existing nodes stay).</summary>
    public static void SetFill(byte* ql, int fill)
    {
        if (fill != Unlimited) fill = Math.Clamp(fill, MinFill, MaxFill);
        *(int*)(ql + 36) = fill;
    }

    /// <summary>A deep copy with the same fill and the same nodes (Redis's quicklistDup).</summary>
    public static byte* Clone(Arena arena, byte* ql)
    {
        byte* copy = Create(arena, Fill(ql));
        for (byte* node = HeadNode(ql); node != null; node = NextNode(node))
        {
            byte* n = NewNode(arena, copy, Listpack.Copy(arena, NodeListpack(node)), NodeEntries(node));
            LinkNode(copy, TailNode(copy), n, after: true);
            CountRef(copy) += NodeEntries(node);
        }
        Debug.Assert(Count(copy) == Count(ql) && BytesUsed(copy) == BytesUsed(ql));
        return copy;
    }

    /// <summary>Appends a copy of the listpack <paramref name="bytes"/> (already checked with
    /// <see cref="Listpack.Validate"/>) as a node of its own, as Redis's quicklistAppendListpack (RDB loading,
    /// moving a list between shards). An empty listpack adds nothing.</summary>
    public static void AppendListpack(Arena arena, byte* ql, ReadOnlySpan<byte> bytes)
    {
        byte* lp = Listpack.Copy(arena, bytes);
        int entries = Listpack.Count(lp);
        if (entries == 0)
        {
            Listpack.Free(arena, lp);
            return;
        }
        byte* node = NewNode(arena, ql, lp, entries);
        LinkNode(ql, TailNode(ql), node, after: true);
        CountRef(ql) += entries;
    }

    // ---- limits (quicklistNodeLimit, quicklistNodeExceedsLimit) ----

    /// <summary>The byte and entry limits of a node under <paramref name="fill"/> (long.MaxValue: none).</summary>
    public static void NodeLimit(int fill, out long bytes, out long entries)
    {
        bytes = long.MaxValue;
        entries = long.MaxValue;
        if (fill == Unlimited) return;
        if (fill >= 0)
        {
            entries = fill == 0 ? 1 : fill;
        }
        else
        {
            int level = Math.Min(-fill - 1, SizeLimits.Length - 1);
            bytes = SizeLimits[level];
        }
    }

    /// <summary>Whether a node of <paramref name="bytes"/> and <paramref name="entries"/> would exceed the
    /// limits of <paramref name="fill"/> (Redis's quicklistNodeExceedsLimit; also decides list encodings).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool NodeExceedsLimit(int fill, long bytes, long entries)
    {
        if (fill < 0)
        {
            if (fill == Unlimited) return false;
            int level = Math.Min(-fill - 1, SizeLimits.Length - 1);
            return bytes > SizeLimits[level];
        }
        if (bytes > SafetyLimit) return true;
        return entries > (fill == 0 ? 1 : fill);
    }

    /// <summary>Whether an element of <paramref name="len"/> bytes is too big to share a node under
    /// <paramref name="fill"/> (Redis 7.4's isLargeElement): it then always gets a node of its own.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsLargeElement(int fill, long len)
    {
        if (fill >= 0) return len > SafetyLimit;
        if (fill == Unlimited) return false;
        return len > SizeLimits[Math.Min(-fill - 1, SizeLimits.Length - 1)];
    }

    /// <summary>Whether <paramref name="node"/> can take one more element of <paramref name="len"/> bytes
    /// (Redis's _quicklistNodeAllowInsert: the node's size plus the element plus an 8-byte overestimate).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool AllowInsert(byte* node, int fill, int len)
    {
        if (node == null || IsLargeElement(fill, len)) return false;
        return !NodeExceedsLimit(fill, (long)NodeBytes(node) + len + EntryOverheadEstimate, (long)NodeEntries(node) + 1);
    }

    /// <summary>Whether two neighbours fit in one node (Redis's _quicklistNodeAllowMerge; the merged size is exact).</summary>
    static bool AllowMerge(byte* a, byte* b, int fill)
    {
        if (a == null || b == null) return false;
        return !NodeExceedsLimit(fill, (long)NodeBytes(a) + NodeBytes(b) - Listpack.EmptySize, (long)NodeEntries(a) + NodeEntries(b));
    }

    /// <summary>The size one listpack holding every entry would have: what Redis's lpBytes reports for a
    /// list in the listpack encoding (one node, or none: an empty listpack). Walks the nodes.</summary>
    public static long ListpackBytes(byte* ql)
    {
        long total = Listpack.EmptySize;
        for (byte* node = HeadNode(ql); node != null; node = NextNode(node)) total += NodeBytes(node) - Listpack.EmptySize;
        return total;
    }

    // ---- nodes ----

    /// <summary>A node blob for <paramref name="lp"/> (not linked yet); its bytes are added to the header.</summary>
    static byte* NewNode(Arena arena, byte* ql, byte* lp, int entries)
    {
        byte* node = arena.Alloc(NodeBlobSize);
        // node is a fresh block of NodeBlobSize bytes.
        SetPrev(node, null);
        SetNext(node, null);
        *(byte**)(node + 16) = lp;
        int sz = Listpack.TotalBytes(lp);
        *(int*)(node + 24) = sz;
        NodeEntriesRef(node) = entries;
        BytesRef(ql) += (long)(NodeUsable + Arena.UsableSize((nuint)sz));
        return node;
    }

    /// <summary>A new node holding only <paramref name="value"/> (not linked; the list count is the caller's).</summary>
    static byte* NewNodeWith(Arena arena, byte* ql, ReadOnlySpan<byte> value)
    {
        byte* lp = Listpack.Append(arena, Listpack.Create(arena), value);
        return NewNode(arena, ql, lp, 1);
    }

    /// <summary>Stores a node's rewritten listpack (maybe moved) and keeps sz and the byte total right.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void SetListpack(byte* ql, byte* node, byte* lp)
    {
        int oldSz = NodeBytes(node), newSz = Listpack.TotalBytes(lp);
        *(byte**)(node + 16) = lp;
        *(int*)(node + 24) = newSz;
        if (oldSz != newSz) BytesRef(ql) += (long)Arena.UsableSize((nuint)newSz) - (long)Arena.UsableSize((nuint)oldSz);
    }

    /// <summary>Links <paramref name="node"/> after (or before) <paramref name="old"/>; null old only for an empty list.</summary>
    static void LinkNode(byte* ql, byte* old, byte* node, bool after)
    {
        Debug.Assert(old != null || NodeCount(ql) == 0);
        if (after)
        {
            SetPrev(node, old);
            if (old != null)
            {
                byte* next = NextNode(old);
                SetNext(node, next);
                if (next != null) SetPrev(next, node);
                SetNext(old, node);
            }
            if (TailNode(ql) == old) SetTail(ql, node);
        }
        else
        {
            SetNext(node, old);
            if (old != null)
            {
                byte* prev = PrevNode(old);
                SetPrev(node, prev);
                if (prev != null) SetNext(prev, node);
                SetPrev(old, node);
            }
            if (HeadNode(ql) == old) SetHead(ql, node);
        }
        if (NodeCount(ql) == 0)
        {
            SetHead(ql, node);
            SetTail(ql, node);
        }
        NodeCountRef(ql)++;
    }

    /// <summary>Unlinks and frees <paramref name="node"/> with its listpack; its entries leave the count.</summary>
    static void DeleteNode(Arena arena, byte* ql, byte* node)
    {
        byte* prev = PrevNode(node), next = NextNode(node);
        if (next != null) SetPrev(next, prev);
        if (prev != null) SetNext(prev, next);
        if (TailNode(ql) == node) SetTail(ql, prev);
        if (HeadNode(ql) == node) SetHead(ql, next);
        NodeCountRef(ql)--;
        CountRef(ql) -= NodeEntries(node);
        BytesRef(ql) -= (long)(NodeUsable + Arena.UsableSize((nuint)NodeBytes(node)));
        Listpack.Free(arena, NodeListpack(node));
        arena.Free(node, NodeBlobSize);
    }
}
