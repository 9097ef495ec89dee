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

    public BlockingForm(BlockKind kind, string attempt, bool hasSides = false)
    {
        Kind = kind;
        Attempt = Encoding.ASCII.GetBytes(attempt);
        HasSides = hasSides;
    }
}
