using System;

namespace FastKv.Engine.Commands;

/// <summary>
/// The options of SCAN, SSCAN, HSCAN and ZSCAN (db.c scanGenericCommand): MATCH pattern, COUNT n (a
/// positive integer) and, for SCAN only, TYPE name, in any order; a repeated option's last value wins;
/// anything else, or an option without its value, is a syntax error. MATCH * filters nothing.
/// </summary>
public unsafe ref struct ScanOptions
{
    public long Count;
    /// <summary>Argument index of the MATCH pattern, or -1 when nothing is filtered.</summary>
    public int PatternArg;
    /// <summary>Argument index of the TYPE name, or -1.</summary>
    public int TypeArg;

    public readonly bool Filter => PatternArg >= 0;

    /// <summary>
    /// The start of SSCAN/HSCAN/ZSCAN key cursor [options], in scanGenericCommand's order: the cursor,
    /// then the key (missing: an empty scan, before any option is read), its type, then the options.
    /// False when the reply is already written (an error, or the empty scan); otherwise <paramref name="e"/>
    /// is the live entry.
    /// </summary>
    public static bool TryBeginKeyScan(ref CommandContext c, byte type, out ulong cursor, out byte* e, out ScanOptions o)
    {
        o = default;
        e = null;
        if (!KeyCommands.TryParseCursor(c.Arg(2), out cursor)) { c.W.Error(Errors.InvalidCursor); return false; }
        if (!c.ReadTyped(1, type, out e)) return false;
        if (e == null)
        {
            c.W.ArrayHeader(2);
            c.W.Bulk("0"u8);
            c.W.ArrayHeader(0);
            return false;
        }
        return TryParse(ref c, 3, false, out o);
    }

    /// <summary>Parses from argument <paramref name="first"/>; false after writing the error.</summary>
    public static bool TryParse(ref CommandContext c, int first, bool allowType, out ScanOptions o)
    {
        o = new ScanOptions { Count = 10, PatternArg = -1, TypeArg = -1 };
        for (int i = first; i < c.Count; i += 2)
        {
            bool more = i + 1 < c.Count;
            if (more && c.ArgIs(i, "count"u8))
            {
                if (!c.TryInt(i + 1, out o.Count)) return false;
                if (o.Count < 1) { c.W.Error(Errors.Syntax); return false; }
            }
            else if (more && c.ArgIs(i, "match"u8))
            {
                ReadOnlySpan<byte> p = c.Arg(i + 1);
                o.PatternArg = p.Length == 1 && p[0] == '*' ? -1 : i + 1;
            }
            else if (more && allowType && c.ArgIs(i, "type"u8)) o.TypeArg = i + 1;
            else { c.W.Error(Errors.Syntax); return false; }
        }
        return true;
    }
}
