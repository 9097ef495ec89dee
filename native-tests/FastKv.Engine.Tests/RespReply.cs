using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace FastKv.Engine.Tests;

/// <summary>
/// A small reader for the RESP text <see cref="EngineHarness.Run"/> returns, for tests whose replies
/// are unordered (sets) or random: the elements of an aggregate, a SCAN-style reply, an integer.
/// </summary>
public static class RespReply
{
    /// <summary>One parsed value: its type byte, its text (bulk, simple, integer, error) or its items.</summary>
    public sealed record Value(char Type, string? Text, List<Value>? Items);

    public static Value Parse(string reply)
    {
        int pos = 0;
        Value v = Read(reply, ref pos);
        if (pos != reply.Length) throw new FormatException($"trailing bytes after one reply: {reply}");
        return v;
    }

    static Value Read(string s, ref int pos)
    {
        char t = s[pos];
        int eol = s.IndexOf("\r\n", pos, StringComparison.Ordinal);
        string line = s.Substring(pos + 1, eol - pos - 1);
        pos = eol + 2;
        switch (t)
        {
            case '$':
            {
                int n = int.Parse(line, CultureInfo.InvariantCulture);
                if (n < 0) return new Value('_', null, null);
                string text = s.Substring(pos, n);
                pos += n + 2;
                return new Value('$', text, null);
            }
            case '*':
            case '~':
            case '%':
            {
                int n = int.Parse(line, CultureInfo.InvariantCulture);
                if (n < 0) return new Value('_', null, null);
                if (t == '%') n *= 2;
                var items = new List<Value>(n);
                for (int i = 0; i < n; i++) items.Add(Read(s, ref pos));
                return new Value(t, null, items);
            }
            default:
                return new Value(t, line, null);
        }
    }

    /// <summary>The texts of an aggregate's elements, in reply order.</summary>
    public static List<string> Elements(string reply)
    {
        Value v = Parse(reply);
        if (v.Items == null) throw new FormatException($"not an aggregate: {reply}");
        return v.Items.Select(i => i.Text ?? throw new FormatException($"nested aggregate in {reply}")).ToList();
    }

    /// <summary>The elements sorted ordinally: how unordered set replies are compared.</summary>
    public static List<string> Sorted(string reply) => Elements(reply).OrderBy(x => x, StringComparer.Ordinal).ToList();

    /// <summary>A SCAN-style reply: the next cursor and the elements of this call.</summary>
    public static (string cursor, List<string> elements) Scan(string reply)
    {
        Value v = Parse(reply);
        if (v.Items is not { Count: 2 }) throw new FormatException($"not a scan reply: {reply}");
        return (v.Items[0].Text!, v.Items[1].Items!.Select(i => i.Text!).ToList());
    }

    public static long Integer(string reply)
    {
        Value v = Parse(reply);
        if (v.Type != ':') throw new FormatException($"not an integer: {reply}");
        return long.Parse(v.Text!, CultureInfo.InvariantCulture);
    }
}
