using System;
using System.Runtime.CompilerServices;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// The encoding a list reports, by Redis 7.2's rules (t_list.c, listTypeTryConversion). In memory a list
/// is always a <see cref="QuickList"/>; the entry's encoding nibble says which of Redis's two forms it
/// would be in, and the quicklist's fill says the same thing in its own terms:
/// <code>
///  nibble     fill                    what Redis 7.2 holds
///  listpack   QuickList.Unlimited     one listpack (so: at most one node, no limit)
///  quicklist  the configured fill     a quicklist created with the fill of the moment it converted
/// </code>
/// <list type="bullet">
/// <item>Growing (before an add): a listpack list converts when its listpack bytes plus the added
/// strings' lengths, or its length plus the added count, exceed the configured limits
/// (listTypeTryConvertListpack). The node stays, exactly as quicklistAppendListpack keeps the listpack.</item>
/// <item>Shrinking (after a removal that left the list non-empty): a quicklist list with a single node
/// converts back when that node is within half the configured limits (listTypeTryConvertQuicklist).</item>
/// </list>
/// The checks run at the same points of each command as in t_list.c, so the reported encoding matches
/// 7.2's even where its estimates are loose. CONFIG SET list-max-listpack-size applies to later
/// conversions and to lists converted after it; an existing quicklist keeps its fill, as in Redis.
/// Unsafe invariant: <c>e</c> is the live entry of a list key and <c>ql</c> its quicklist.
/// </summary>
internal static unsafe class ListEncoding
{
    /// <summary>The configured fill as Redis's quicklist would clamp it (so int.MinValue never reads as Unlimited).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ConfigFill(ref CommandContext c)
        => Math.Clamp(c.Shard.Server.Config.ListMaxListpackSize, QuickList.MinFill, QuickList.MaxFill);

    /// <summary>A new, empty list key in the listpack encoding (createListListpackObject + dbAdd).</summary>
    internal static byte* CreateList(ref CommandContext c, ReadOnlySpan<byte> key, out byte* ql)
    {
        ql = QuickList.Create(c.Shard.Arena, QuickList.Unlimited);
        return c.Db.AddCollection(key, ValueKind.List, ValueEncoding.ListPack, ql);
    }

    /// <summary>listTypeTryConversionAppend: before adding <paramref name="addCount"/> elements whose string
    /// lengths sum to <paramref name="addBytes"/>.</summary>
    internal static void BeforeGrow(ref CommandContext c, byte* e, byte* ql, long addBytes, long addCount)
    {
        if (KeyEntry.Encoding(e) != ValueEncoding.ListPack) return;
        int fill = ConfigFill(ref c);
        if (!QuickList.NodeExceedsLimit(fill, QuickList.ListpackBytes(ql) + addBytes, QuickList.Count(ql) + addCount)) return;
        QuickList.SetFill(ql, fill);
        KeyEntry.SetEncoding(e, ValueEncoding.QuickList);
    }

    /// <summary>The added length of argument <paramref name="from"/>..<paramref name="to"/>, as listTypeTryConvertListpack sums it.</summary>
    internal static long ArgBytes(ref CommandContext c, int from, int to)
    {
        long n = 0;
        for (int i = from; i <= to; i++) n += c.Arg(i).Length;
        return n;
    }

    /// <summary>listTypeTryConversion(SHRINKING): after removing elements from a list that is not empty.</summary>
    internal static void AfterShrink(ref CommandContext c, byte* e, byte* ql)
    {
        if (KeyEntry.Encoding(e) != ValueEncoding.QuickList || QuickList.NodeCount(ql) != 1) return;
        QuickList.NodeLimit(ConfigFill(ref c), out long bytes, out long entries);
        if (QuickList.NodeBytes(QuickList.HeadNode(ql)) > bytes / 2 || QuickList.Count(ql) > entries / 2) return;
        QuickList.SetFill(ql, QuickList.Unlimited);
        KeyEntry.SetEncoding(e, ValueEncoding.ListPack);
    }

    /// <summary>listElementsRemoved: deletes the key when the list is empty, else tries the shrinking conversion.
    /// Returns true when the key was deleted.</summary>
    internal static bool AfterRemove(ref CommandContext c, byte* e, byte* ql)
    {
        if (QuickList.Count(ql) == 0)
        {
            c.Db.Remove(e);
            return true;
        }
        AfterShrink(ref c, e, ql);
        return false;
    }

    /// <summary>
    /// After elements were removed from the list in argument <paramref name="keyArg"/>: the command's event
    /// <paramref name="evt"/>, then listElementsRemoved, with "del" when that emptied and deleted the key.
    /// </summary>
    internal static void Removed(ref CommandContext c, int keyArg, byte* e, byte* ql, ReadOnlySpan<byte> evt)
    {
        c.Modified(keyArg, NotifyClass.List, evt);
        if (AfterRemove(ref c, e, ql)) c.Modified(keyArg, NotifyClass.Generic, "del"u8);
    }

    /// <summary>
    /// SORT ... STORE: a new list under <paramref name="key"/> (known absent) holding <paramref name="items"/>
    /// in order. As 7.2's sort.c: built as a quicklist with the configured fill, then converted to a listpack
    /// when it is one node within the limits (listTypeTryConversion with LIST_CONV_AUTO: the full limits, not
    /// the halved ones of shrinking).
    /// </summary>
    internal static void StoreList(ref CommandContext c, ReadOnlySpan<byte> key, System.Collections.Generic.List<byte[]> items, bool overwrite)
    {
        Arena arena = c.Shard.Arena;
        int fill = ConfigFill(ref c);
        byte* ql = QuickList.Create(arena, fill);
        foreach (var item in items) QuickList.PushTail(arena, ql, item);
        byte* e = c.Db.AddCollection(key, ValueKind.List, ValueEncoding.QuickList, ql, overwrite: overwrite);
        if (QuickList.NodeCount(ql) != 1) return;
        QuickList.NodeLimit(fill, out long bytes, out long entries);
        if (QuickList.NodeBytes(QuickList.HeadNode(ql)) > bytes || QuickList.Count(ql) > entries) return;
        QuickList.SetFill(ql, QuickList.Unlimited);
        KeyEntry.SetEncoding(e, ValueEncoding.ListPack);
    }
}
