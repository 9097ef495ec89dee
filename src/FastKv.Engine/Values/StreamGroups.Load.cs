using System.Diagnostics;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// Building groups from untrusted bytes (an RDB, a RESTORE payload, a copy between shards), as rdbLoadObject does:
/// the group PEL arrives first with no owners, then each consumer names the IDs it owns. Every step refuses what
/// would break the invariant drawn in StreamGroups.cs (a PEL ID twice, a consumer ID absent from the group PEL or
/// already owned, by this consumer or another), and <see cref="AllPendingOwned"/> refuses a NACK nobody claimed, so a
/// loaded group is one the commands could have built. A stream refused half way is freed whole (an unowned NACK is
/// freed like any other).
/// Unsafe invariant for the whole file: <c>g</c> is a live group, <c>c</c> a consumer of it.
/// </summary>
public static unsafe partial class StreamGroups
{
    /// <summary>Adds a NACK without its owner yet; false when <paramref name="id"/> is already in the group PEL.</summary>
    public static bool TryAddUnowned(Arena arena, byte* g, StreamId id, long deliveryTime, ulong deliveryCount)
    {
        int i = PelFind(g, id);
        if (i >= 0) return false;
        byte* n = SlotArray.Insert(arena, Pel(g), ~i, NackSize);
        *(ulong*)n = id.Ms;
        *(ulong*)(n + 8) = id.Seq;
        SetNackTime(n, deliveryTime);
        SetNackCount(n, deliveryCount);
        *(byte**)(n + 32) = null;
        return true;
    }

    /// <summary>
    /// Makes <paramref name="c"/> the owner of the unowned NACK <paramref name="id"/>; false when the group PEL has no
    /// such ID ("Consumer entry not found in group global PEL") or a consumer owns it already (Redis: "Duplicated
    /// consumer PEL entry" for the same consumer; another consumer's is refused here too).
    /// </summary>
    public static bool TryClaimLoaded(Arena arena, byte* g, byte* c, StreamId id)
    {
        int i = PelFind(g, id);
        if (i < 0) return false;
        byte* n = PelAt(g, i);
        if (NackConsumer(n) != null) return false;
        *(byte**)(n + 32) = c;
        InsertOwn(arena, c, id);
        return true;
    }

    /// <summary>Every NACK of the group has an owner ("Stream CG PEL entry without consumer").</summary>
    public static bool AllPendingOwned(byte* g)
    {
        for (int i = 0; i < PelCount(g); i++)
            if (NackConsumer(PelAt(g, i)) == null) return false;
        Debug.Assert(OwnCountsMatch(g));
        return true;
    }

    static bool OwnCountsMatch(byte* g)
    {
        long own = 0;
        for (int i = 0; i < ConsumerCount(g); i++) own += ConsumerPelCount(ConsumerAt(g, i));
        return own == PelCount(g);
    }
}
