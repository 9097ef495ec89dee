using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using FastKv.Server.Tests.Infrastructure;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// THE one list of the ways FastKv's replies may differ from redis-server's. Everything not named here
/// must be byte-identical. Add to it only with a reason written beside the entry.
/// </summary>
public static class IntendedDifferences
{
    /// <summary>
    /// Null if <paramref name="target"/> is an acceptable answer where the oracle said <paramref name="oracle"/>;
    /// otherwise why not.
    /// </summary>
    public static string? Compare(byte[][] command, byte[] oracle, byte[] target)
    {
        if (oracle.AsSpan().SequenceEqual(target))
            return null;
        string name = command.Length == 0 ? "" : Resp.AsString(command[0]).ToUpperInvariant();
        // Collections listed in table order or picked at random: compared by content (UnorderedReplies.cs).
        if (UnorderedReplies.TryCompare(name, command, oracle, target, out string? unordered))
            return unordered;
        switch (name)
        {
            // The two servers run the command a few microseconds apart, so a remaining or absolute
            // expiry may differ by one unit of rounding (seconds) or by the time between them (ms).
            case "TTL":
            case "EXPIRETIME":
                return CompareIntegers(oracle, target, tolerance: 1);
            case "PTTL":
            case "PEXPIRETIME":
                return CompareIntegers(oracle, target, tolerance: 1000);

            // KEYS returns keys in hash-table order, which is the table's business.
            case "KEYS":
                return CompareUnordered(oracle, target);

            // HELLO tells the connection's id.
            case "HELLO":
                return CompareHello(oracle, target);
        }
        return "replies differ";
    }

    private static string? CompareIntegers(byte[] oracle, byte[] target, long tolerance)
    {
        RespValue a = Resp.Parse(oracle);
        RespValue b = Resp.Parse(target);
        if (a.Type != ':' || b.Type != ':')
            return "replies differ (not both integers)";
        long x = a.Integer;
        long y = b.Integer;
        // -1 (no expiry) and -2 (no key) are exact answers, not times.
        if (x < 0 || y < 0)
            return x == y ? null : "replies differ";
        return Math.Abs(x - y) <= tolerance ? null : $"times differ by more than {tolerance}";
    }

    private static string? CompareUnordered(byte[] oracle, byte[] target)
    {
        RespValue a = Resp.Parse(oracle);
        RespValue b = Resp.Parse(target);
        if (a.Type != b.Type || a.Items is null || b.Items is null)
            return "replies differ";
        var x = a.Items.Select(i => i.ToString()).OrderBy(s => s, StringComparer.Ordinal).ToList();
        var y = b.Items.Select(i => i.ToString()).OrderBy(s => s, StringComparer.Ordinal).ToList();
        return x.SequenceEqual(y) ? null : "the sets of elements differ";
    }

    /// <summary>
    /// Fields of the HELLO reply whose values may differ; their names and order may not. The connection id only:
    /// FastKv reports the oracle's version (7.2.4).
    /// </summary>
    public static readonly IReadOnlySet<string> HelloFreeFields = new HashSet<string>(StringComparer.Ordinal) { "id" };

    private static string? CompareHello(byte[] oracle, byte[] target)
    {
        RespValue a = Resp.Parse(oracle);
        RespValue b = Resp.Parse(target);
        if (a.Type != b.Type || a.Items is null || b.Items is null || a.Items.Count != b.Items.Count)
            return "replies differ";
        for (int i = 0; i < a.Items.Count; i += 2)
        {
            string key = a.Items[i].ToString();
            if (key != b.Items[i].ToString())
                return $"HELLO field {i / 2} is {b.Items[i]}, expected {a.Items[i]}";
            string field = a.Items[i].Text ?? "";
            if (!HelloFreeFields.Contains(field) && a.Items[i + 1].ToString() != b.Items[i + 1].ToString())
                return $"HELLO field '{field}' is {b.Items[i + 1]}, expected {a.Items[i + 1]}";
            if (HelloFreeFields.Contains(field) && a.Items[i + 1].Type != b.Items[i + 1].Type)
                return $"HELLO field '{field}' has type {b.Items[i + 1].Type}, expected {a.Items[i + 1].Type}";
        }
        return null;
    }

    internal static string FormatInteger(long v) => v.ToString(CultureInfo.InvariantCulture);
}
