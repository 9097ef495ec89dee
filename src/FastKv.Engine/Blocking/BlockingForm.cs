using System.Text;

namespace FastKv.Engine;

/// <summary>
/// The blocking form of a command, declared on its table row (BLPOP in ListCommands, BZPOPMIN in
/// ZSetCommands): what it pops or moves, and the non-blocking command that is tried for it on each key
/// (BLPOP k → LPOP k). <see cref="BlockingPlan"/> reads the arguments by it.
/// </summary>
public sealed class BlockingForm
{
    public readonly BlockKind Kind;
    /// <summary>The non-blocking command tried per key: lpop, rpop, zpopmin, zpopmax, rpoplpush, lmove, lmpop, zmpop.</summary>
    public readonly byte[] Attempt;

    /// <summary>BLMOVE: source destination wherefrom whereto timeout (BRPOPLPUSH: source destination timeout).</summary>
    public readonly bool HasSides;

    /// <summary>
    /// Whether this call waits: always, but for XREAD and XREADGROUP, which wait only with a BLOCK option whose timeout
    /// reads as a non-negative integer and a well-formed STREAMS part; otherwise they run as plain commands, which
    /// answer their errors in Redis's order.
    /// </summary>
    public bool Waits(System.ReadOnlySpan<byte> buf, FastKv.Protocol.ArgList args)
    {
        if (Kind is not (BlockKind.StreamRead or BlockKind.StreamReadGroup)) return true;
        bool group = Kind == BlockKind.StreamReadGroup;
        bool block = false;
        for (int i = 1; i < args.Count; i++)
        {
            System.ReadOnlySpan<byte> arg = args.Get(buf, i);
            if (Ascii.EqualsIgnoreCase(arg, "streams"u8))
            {
                int rest = args.Count - i - 1;
                return block && rest > 0 && (rest & 1) == 0;
            }
            if (group && Ascii.EqualsIgnoreCase(arg, "noack"u8)) continue;
            if (i + 1 >= args.Count) return false;
            if (group && Ascii.EqualsIgnoreCase(arg, "group"u8))
            {
                if (i + 2 >= args.Count) return false;
                i += 2;
                continue;
            }
            if (Ascii.EqualsIgnoreCase(arg, "block"u8))
            {
                if (!FastKv.Protocol.RespNumber.TryParseInt64(args.Get(buf, i + 1), out long t) || t < 0) return false;
                block = true;
            }
            else if (!Ascii.EqualsIgnoreCase(arg, "count"u8)) return false;
            i++;
        }
        return false;
    }

    public BlockingForm(BlockKind kind, string attempt, bool hasSides = false)
    {
        Kind = kind;
        Attempt = Encoding.ASCII.GetBytes(attempt);
        HasSides = hasSides;
    }
}
