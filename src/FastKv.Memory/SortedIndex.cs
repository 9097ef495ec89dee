using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace FastKv.Memory;

/// <summary>
/// The ordered half of the "skiplist" encoding of large sorted sets: Redis's zskiplist (t_zset.c) with
/// spans, so ranks are O(log n), and backward pointers for reverse walks. Everything lives in the
/// shard's arena; the member→score hash table is separate (the caller's), so every call takes the
/// (score, member) pair.
/// <para>
/// Order is Redis's: by score (as C doubles compare, so -0.0 == 0.0 and ties go to the member), then by
/// member as unsigned bytes, memcmp-style, a proper prefix first. NaN scores are not allowed (Redis
/// rejects them before they get here). A score is stored with the bits it was given, so a node may hold
/// -0.0; it sorts exactly like 0.0.
/// </para>
/// <code>
///  index (the zsl blob, <see cref="HeaderBlobSize"/> bytes)
///   offset  size  field
///    0      ptr   tail: last node, null when empty
///    8      u64   length (nodes)
///   16      i32   level: levels in use, 1..32
///   20      i32   unused
///   24      i64   bytes used: UsableSize of this blob plus every node's blob
///   32      408   head node: a node of level 32 with no member; its score and backward are unused
///
///  node (one arena blob of NodeSize(level, memberLen) bytes)
///   offset        size        field
///    0            f64         score
///    8            ptr         backward: previous node, null for the first
///   16            u32         member length
///   20            u8          level, 1..32
///   21            3           unused
///   24            8*level     forward[i]: next node at level i, null at the end
///   24+8L         4*level     span[i]: nodes skipped by forward[i], counting its target
///   24+12L        memberLen   member bytes
/// </code>
/// Forward pointers and spans are two arrays (not pairs) so no padding is wasted. Spans are u32, which
/// caps an index at 2^32-1 nodes; a shard holds far fewer. A forward of null at the head has span
/// = the number of nodes after the node (Redis's convention), so rank arithmetic never special-cases ends.
/// Levels come from the caller's <c>ref ulong</c> generator (SplitMix64), p = 0.25, max 32, as Redis.
/// Unsafe invariant for the whole class: <c>zsl</c> points at a live index blob from <see cref="Create"/>
/// in the calling shard's arena, and <c>node</c> at a live node linked into such an index (or at the
/// head node, only internally).
/// </summary>
public static unsafe partial class SortedIndex
{
    public const int MaxLevel = 32;
    const int NodeHeaderSize = 24;
    const int LevelSize = 12;
    const int HeadOffset = 32;
    public const int HeaderBlobSize = HeadOffset + NodeHeaderSize + MaxLevel * LevelSize;

    // ---- node fields ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Score(byte* node) => *(double*)node;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Prev(byte* node) => *(byte**)(node + 8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int MemberLength(byte* node) => *(int*)(node + 16);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Level(byte* node) => node[20];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte** Forward(byte* node) => (byte**)(node + NodeHeaderSize);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static uint* Span(byte* node) => (uint*)(node + NodeHeaderSize + 8 * Level(node));

    /// <summary>The member's bytes, inside the node: valid until the node is freed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> Member(byte* node) =>
        new(node + NodeHeaderSize + LevelSize * Level(node), MemberLength(node));

    /// <summary>The next node in order, null after the last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Next(byte* node) => Forward(node)[0];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static nuint NodeSize(int level, int memberLength) => (nuint)(NodeHeaderSize + LevelSize * level + memberLength);

    // ---- index fields ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte* Head(byte* zsl) => zsl + HeadOffset;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Length(byte* zsl) => *(long*)(zsl + 8);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* First(byte* zsl) => Forward(Head(zsl))[0];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Last(byte* zsl) => *(byte**)zsl;

    /// <summary>Arena bytes held by this index (its header blob and every node, at their class sizes).</summary>
    public static long BytesUsed(byte* zsl) => *(long*)(zsl + 24);

    static ref int LevelsInUse(byte* zsl) => ref *(int*)(zsl + 16);

    // ---- order ----

    /// <summary>Redis's member order: unsigned bytes, a proper prefix first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int CompareMember(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.SequenceCompareTo(b);

    /// <summary>True when <paramref name="node"/> sorts before (score, member).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool Before(byte* node, double score, ReadOnlySpan<byte> member)
    {
        double s = Score(node);
        return s < score || (s == score && CompareMember(Member(node), member) < 0);
    }

    // ---- levels ----

    /// <summary>A level in 1..32 with P(level &gt; k) = 0.25^k, from one SplitMix64 step of <paramref name="rng"/>.</summary>
    public static int RandomLevel(ref ulong rng)
    {
        rng += 0x9E3779B97F4A7C15UL;
        ulong z = rng;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        // Each pair of low zero bits is one more level with probability 1/4.
        int level = 1 + BitOperations.TrailingZeroCount(z) / 2;
        return level > MaxLevel ? MaxLevel : level;
    }

    // ---- lifetime ----

    public static byte* Create(Arena arena)
    {
        byte* zsl = arena.Alloc(HeaderBlobSize);
        // The block is fresh and HeaderBlobSize long: clearing it nulls every head pointer and span.
        new Span<byte>(zsl, HeaderBlobSize).Clear();
        byte* head = Head(zsl);
        head[20] = MaxLevel;
        LevelsInUse(zsl) = 1;
        *(long*)(zsl + 24) = (long)Arena.UsableSize(HeaderBlobSize);
        return zsl;
    }

    /// <summary>Frees every node and the index itself.</summary>
    public static void Free(Arena arena, byte* zsl)
    {
        int budget = int.MaxValue;
        FreeSome(arena, zsl, ref budget);
    }

    /// <summary>
    /// A free in steps (lazy free): frees up to <paramref name="budget"/> nodes from the first, one from the budget
    /// each (and one for the index blob); true once every node and the index itself are gone. The index must be out of every keyspace: between
    /// steps only the head's first forward pointer is kept right (spans, the other levels and the length are stale).
    /// </summary>
    public static bool FreeSome(Arena arena, byte* zsl, ref int budget)
    {
        byte* x = First(zsl);
        while (x != null && budget > 0)
        {
            byte* next = Next(x);
            arena.Free(x, NodeSize(Level(x), MemberLength(x)));
            x = next;
            budget--;
        }
        Forward(Head(zsl))[0] = x;
        if (x != null) return false;
        arena.Free(zsl, HeaderBlobSize);
        budget--;
        return true;
    }

    static byte* AllocNode(Arena arena, byte* zsl, int level, double score, ReadOnlySpan<byte> member)
    {
        nuint size = NodeSize(level, member.Length);
        byte* node = arena.Alloc(size);
        *(long*)(zsl + 24) += (long)Arena.UsableSize(size);
        *(double*)node = score;
        *(byte**)(node + 8) = null;
        *(int*)(node + 16) = member.Length;
        node[20] = (byte)level;
        // node is size bytes long: the member goes at its end, after 12 bytes per level.
        member.CopyTo(new Span<byte>(node + NodeHeaderSize + LevelSize * level, member.Length));
        return node;
    }

    static void FreeNode(Arena arena, byte* zsl, byte* node)
    {
        nuint size = NodeSize(Level(node), MemberLength(node));
        *(long*)(zsl + 24) -= (long)Arena.UsableSize(size);
        arena.Free(node, size);
    }

    // ---- insert / delete / update ----

    /// <summary>
    /// Links a new node for (score, member) and returns it. The caller guarantees the member is not in
    /// the index (its hash table says so). <paramref name="member"/> may point into another node.
    /// </summary>
    public static byte* Insert(Arena arena, byte* zsl, double score, ReadOnlySpan<byte> member, ref ulong rng)
    {
        Debug.Assert(!double.IsNaN(score));
        Debug.Assert(Length(zsl) < uint.MaxValue - 1);
        byte** update = stackalloc byte*[MaxLevel];
        long* rank = stackalloc long[MaxLevel];
        byte* head = Head(zsl);
        int levels = LevelsInUse(zsl);
        byte* x = head;
        for (int i = levels - 1; i >= 0; i--)
        {
            // rank[i]: nodes from the head up to and including x.
            rank[i] = i == levels - 1 ? 0 : rank[i + 1];
            byte* f;
            while ((f = Forward(x)[i]) != null && Before(f, score, member))
            {
                rank[i] += Span(x)[i];
                x = f;
            }
            update[i] = x;
        }
        int level = RandomLevel(ref rng);
        if (level > levels)
        {
            for (int i = levels; i < level; i++)
            {
                rank[i] = 0;
                update[i] = head;
                Span(head)[i] = (uint)Length(zsl);
            }
            LevelsInUse(zsl) = level;
        }
        x = AllocNode(arena, zsl, level, score, member);
        byte** xf = Forward(x);
        uint* xs = Span(x);
        for (int i = 0; i < level; i++)
        {
            byte* u = update[i];
            xf[i] = Forward(u)[i];
            Forward(u)[i] = x;
            // Of the nodes u's span covered, those after the insertion point now belong to x.
            xs[i] = (uint)(Span(u)[i] - (rank[0] - rank[i]));
            Span(u)[i] = (uint)(rank[0] - rank[i] + 1);
        }
        for (int i = level; i < levels; i++) Span(update[i])[i]++;
        *(byte**)(x + 8) = update[0] == head ? null : update[0];
        if (xf[0] != null) *(byte**)(xf[0] + 8) = x;
        else *(byte**)zsl = x;
        *(long*)(zsl + 8) = Length(zsl) + 1;
        return x;
    }

    /// <summary>Fills <paramref name="update"/> with the last node before (score, member) at every level in use.</summary>
    static void FindUpdate(byte* zsl, double score, ReadOnlySpan<byte> member, byte** update)
    {
        byte* x = Head(zsl);
        for (int i = LevelsInUse(zsl) - 1; i >= 0; i--)
        {
            byte* f;
            while ((f = Forward(x)[i]) != null && Before(f, score, member)) x = f;
            update[i] = x;
        }
    }

    /// <summary>Unlinks <paramref name="x"/>; <paramref name="update"/> holds its predecessors at every level in use.</summary>
    static void Unlink(byte* zsl, byte* x, byte** update)
    {
        int levels = LevelsInUse(zsl);
        for (int i = 0; i < levels; i++)
        {
            byte* u = update[i];
            if (Forward(u)[i] == x)
            {
                Span(u)[i] += Span(x)[i] - 1;
                Forward(u)[i] = Forward(x)[i];
            }
            else
            {
                Span(u)[i]--;
            }
        }
        byte* next = Next(x);
        if (next != null) *(byte**)(next + 8) = Prev(x);
        else *(byte**)zsl = Prev(x);
        byte* head = Head(zsl);
        while (levels > 1 && Forward(head)[levels - 1] == null) levels--;
        LevelsInUse(zsl) = levels;
        *(long*)(zsl + 8) = Length(zsl) - 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool Matches(byte* x, double score, ReadOnlySpan<byte> member) =>
        x != null && Score(x) == score && CompareMember(Member(x), member) == 0;

    /// <summary>Removes (score, member); false when that pair is not in the index.</summary>
    public static bool Delete(Arena arena, byte* zsl, double score, ReadOnlySpan<byte> member)
    {
        byte** update = stackalloc byte*[MaxLevel];
        FindUpdate(zsl, score, member, update);
        byte* x = Next(update[0]);
        if (!Matches(x, score, member)) return false;
        Unlink(zsl, x, update);
        FreeNode(arena, zsl, x);
        return true;
    }

    /// <summary>
    /// Changes the score of (oldScore, member), which must be present, and returns its node. As Redis,
    /// the node is updated in place when the new score stays strictly between its neighbours' scores;
    /// otherwise it is replaced by a new node (new level drawn from <paramref name="rng"/>) and the old
    /// node, and any span into it, is invalid. Returns null (and asserts) when the pair is absent.
    /// </summary>
    public static byte* UpdateScore(Arena arena, byte* zsl, double oldScore, ReadOnlySpan<byte> member, double newScore, ref ulong rng)
    {
        Debug.Assert(!double.IsNaN(newScore));
        byte** update = stackalloc byte*[MaxLevel];
        FindUpdate(zsl, oldScore, member, update);
        byte* x = Next(update[0]);
        if (!Matches(x, oldScore, member))
        {
            Debug.Fail("UpdateScore: (score, member) not in the index");
            return null;
        }
        byte* prev = Prev(x), next = Next(x);
        if ((prev == null || Score(prev) < newScore) && (next == null || Score(next) > newScore))
        {
            *(double*)x = newScore;
            return x;
        }
        Unlink(zsl, x, update);
        // x is unlinked but still allocated, so its member bytes stay valid while Insert copies them.
        byte* n = Insert(arena, zsl, newScore, Member(x), ref rng);
        FreeNode(arena, zsl, x);
        return n;
    }

    // ---- ranks ----

    /// <summary>0-based rank of (score, member), or -1 when that pair is not in the index.</summary>
    public static long Rank(byte* zsl, double score, ReadOnlySpan<byte> member)
    {
        byte* x = Head(zsl);
        long rank = 0;
        for (int i = LevelsInUse(zsl) - 1; i >= 0; i--)
        {
            byte* f;
            while ((f = Forward(x)[i]) != null &&
                   (Score(f) < score || (Score(f) == score && CompareMember(Member(f), member) <= 0)))
            {
                rank += Span(x)[i];
                x = f;
            }
            if (x != Head(zsl) && Score(x) == score && CompareMember(Member(x), member) == 0) return rank - 1;
        }
        return -1;
    }

    /// <summary>The node at 0-based <paramref name="rank"/>, or null when out of range.</summary>
    public static byte* ByRank(byte* zsl, long rank)
    {
        if ((ulong)rank >= (ulong)Length(zsl)) return null;
        long target = rank + 1, traversed = 0;
        byte* x = Head(zsl);
        for (int i = LevelsInUse(zsl) - 1; i >= 0; i--)
        {
            byte* f;
            while ((f = Forward(x)[i]) != null && traversed + Span(x)[i] <= target)
            {
                traversed += Span(x)[i];
                x = f;
            }
            if (traversed == target) return x;
        }
        Debug.Fail("ByRank: spans disagree with length");
        return null;
    }
}
