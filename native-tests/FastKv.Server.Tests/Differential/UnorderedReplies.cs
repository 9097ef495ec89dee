using System;
using System.Collections.Generic;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// Replies that list a collection in the server's own table order, or pick from it at random: Redis's dict
/// order and FastKv's FieldTable order differ, and two random generators never agree. Each command names
/// the shape of its reply here, and <see cref="IntendedDifferences"/> compares such replies by content
/// instead of by bytes. Only replies that are not byte-identical get here, so a listpack-encoded
/// collection (whose order both servers share) is still compared exactly whenever the orders agree.
/// Add a command by adding its row; keep the shapes general.
/// </summary>
public static class UnorderedReplies
{
    public enum Shape
    {
        /// <summary>An array of elements (HKEYS, HVALS): the same multiset of elements.</summary>
        Elements,
        /// <summary>Field/value pairs, a flat array in RESP2 or a map in RESP3 (HGETALL): the same set of pairs.</summary>
        Pairs,
        /// <summary>
        /// <c>[cursor, [element, ...]]</c> (SSCAN): when the oracle's walk ended in one call (cursor 0) the
        /// target's must too, with the same elements; a partial walk's cursor and slice are the table's
        /// business, so only its shape is compared.
        /// </summary>
        ScanElements,
        /// <summary><c>[cursor, [field, value, ...]]</c> (HSCAN, ZSCAN): as <see cref="ScanElements"/>, by pairs.</summary>
        ScanPairs,
        /// <summary>
        /// <c>key [count [WITH...]]</c> random picks (HRANDFIELD): no count, both null or both one element;
        /// a count, the same number of picks (distinct when the count is positive), and when the oracle
        /// answered fewer picks than a positive count, the whole collection: the same picks in any order.
        /// WITH... picks are field/value pairs (flat in RESP2, 2-element arrays in RESP3).
        /// </summary>
        RandomPicks,
    }

    private static readonly Dictionary<string, Shape> s_commands = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HKEYS"] = Shape.Elements,
        ["HVALS"] = Shape.Elements,
        ["HGETALL"] = Shape.Pairs,
        ["HSCAN"] = Shape.ScanPairs,
        ["HRANDFIELD"] = Shape.RandomPicks,
        ["SMEMBERS"] = Shape.Elements,
        ["SINTER"] = Shape.Elements,
        ["SUNION"] = Shape.Elements,
        ["SDIFF"] = Shape.Elements,
        ["SSCAN"] = Shape.ScanElements,
        ["SRANDMEMBER"] = Shape.RandomPicks,
    };

    /// <summary>
    /// False when <paramref name="name"/> has no row here; otherwise true with <paramref name="why"/> null
    /// when the replies agree by content, or the reason they do not.
    /// </summary>
    public static bool TryCompare(string name, byte[][] command, byte[] oracle, byte[] target, out string? why)
    {
        why = null;
        if (!s_commands.TryGetValue(name, out Shape shape))
            return false;
        RespValue a = Resp.Parse(oracle);
        RespValue b = Resp.Parse(target);
        if (a.Type != b.Type || a.Items is null || b.Items is null)
        {
            // Errors, nulls and single elements are compared as they are, except a random single pick.
            why = shape == Shape.RandomPicks && a.Type == '$' && b.Type == '$' && a.Data is not null && b.Data is not null
                ? null
                : "replies differ";
            return true;
        }
        why = shape switch
        {
            Shape.Elements => SameMultiset(Units(a.Items, 1), Units(b.Items, 1)),
            Shape.Pairs => SameMultiset(Units(a.Items, 2), Units(b.Items, 2)),
            Shape.ScanElements => CompareScan(a, b, 1),
            Shape.ScanPairs => CompareScan(a, b, 2),
            Shape.RandomPicks => ComparePicks(command, a, b),
            _ => "replies differ",
        };
        return true;
    }

    /// <summary>The items grouped <paramref name="width"/> at a time, each group as one comparable string.</summary>
    private static List<string> Units(List<RespValue> items, int width)
    {
        var units = new List<string>();
        for (int i = 0; i + width <= items.Count; i += width)
            units.Add(string.Join(" ", items.Skip(i).Take(width)));
        if (items.Count % width != 0)
            units.Add("odd element count " + items.Count);
        return units;
    }

    private static string? SameMultiset(List<string> x, List<string> y)
    {
        if (x.Count != y.Count)
            return $"{y.Count} elements where the oracle has {x.Count}";
        x.Sort(StringComparer.Ordinal);
        y.Sort(StringComparer.Ordinal);
        for (int i = 0; i < x.Count; i++)
            if (x[i] != y[i])
                return $"the elements differ (first difference, sorted: {y[i]} where the oracle has {x[i]})";
        return null;
    }

    private static string? CompareScan(RespValue a, RespValue b, int width)
    {
        if (a.Items!.Count != 2 || b.Items!.Count != 2 || b.Items[1].Items is null || a.Items[1].Items is null)
            return "replies differ (not [cursor, elements])";
        if (b.Items[1].Items!.Count % width != 0)
            return "an odd number of scan elements";
        bool oracleDone = a.Items[0].Text == "0";
        if (!oracleDone)
            return null;
        if (b.Items[0].Text != "0")
            return "the oracle's walk ended in this call but the target's did not";
        return SameMultiset(Units(a.Items[1].Items!, width), Units(b.Items[1].Items!, width));
    }

    private static string? ComparePicks(byte[][] command, RespValue a, RespValue b)
    {
        if (command.Length < 3 || !long.TryParse(Resp.AsString(command[2]), out long count))
            return "replies differ";
        // Pairs are 2-element arrays in RESP3 and flat in RESP2: one unit per pick either way.
        bool flatPairs = command.Length > 3 && a.Items!.Count > 0 && a.Items[0].Items is null;
        List<string> x = Units(a.Items!, flatPairs ? 2 : 1);
        List<string> y = Units(b.Items!, flatPairs ? 2 : 1);
        if (a.Items!.Count > 0 && b.Items!.Count > 0 && (a.Items[0].Items is null) != (b.Items[0].Items is null))
            return "picks have another shape";
        if (x.Count != y.Count)
            return $"{y.Count} picks where the oracle has {x.Count}";
        if (count > 0 && y.Distinct().Count() != y.Count)
            return "repeated picks for a positive count";
        if (count > 0 && x.Count < count)
            return SameMultiset(x, y);
        return null;
    }
}
