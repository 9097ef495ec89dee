using System;

namespace FastKv.Memory;

/// <summary>
/// One end of a ZRANGEBYLEX-style range: <c>-</c> (below every member), <c>+</c> (above every member),
/// <c>[bytes</c> (inclusive) or <c>(bytes</c> (exclusive). As in Redis, the infinities count as exclusive,
/// so <c>[- -]</c>-like ranges made of one infinity on both ends are empty. The bytes are borrowed, not copied.
/// </summary>
public readonly ref struct LexBound
{
    public enum BoundKind : byte { NegativeInfinity, PositiveInfinity, Inclusive, Exclusive }

    public readonly BoundKind Kind;
    public readonly ReadOnlySpan<byte> Value;

    LexBound(BoundKind kind, ReadOnlySpan<byte> value) { Kind = kind; Value = value; }

    public static LexBound NegativeInfinity => new(BoundKind.NegativeInfinity, default);
    public static LexBound PositiveInfinity => new(BoundKind.PositiveInfinity, default);
    public static LexBound Inclusive(ReadOnlySpan<byte> value) => new(BoundKind.Inclusive, value);
    public static LexBound Exclusive(ReadOnlySpan<byte> value) => new(BoundKind.Exclusive, value);

    /// <summary>Exclusive as Redis's zlexrangespec means it: the infinities and <c>(</c> bounds.</summary>
    public bool IsExclusive => Kind != BoundKind.Inclusive;

    /// <summary>Redis's sdscmplex of a member against this bound: the infinities beat every member.</summary>
    public int CompareMember(ReadOnlySpan<byte> member) => Kind switch
    {
        BoundKind.NegativeInfinity => 1,
        BoundKind.PositiveInfinity => -1,
        _ => member.SequenceCompareTo(Value),
    };

    /// <summary>sdscmplex of two bounds (min against max): equal infinities compare equal.</summary>
    public static int Compare(LexBound a, LexBound b)
    {
        bool aInf = a.Kind <= BoundKind.PositiveInfinity, bInf = b.Kind <= BoundKind.PositiveInfinity;
        if (aInf && bInf) return a.Kind == b.Kind ? 0 : a.Kind == BoundKind.NegativeInfinity ? -1 : 1;
        if (aInf) return a.Kind == BoundKind.NegativeInfinity ? -1 : 1;
        if (bInf) return b.Kind == BoundKind.NegativeInfinity ? 1 : -1;
        return a.Value.SequenceCompareTo(b.Value);
    }
}
