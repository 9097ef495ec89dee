namespace FastKv.Protocol;

/// <summary>Outcome of one <see cref="RespParser.Parse"/> call.</summary>
public enum RespStatus : byte
{
    /// <summary>The command is not complete yet. The parser kept its progress; call again with more bytes.</summary>
    NeedMore = 0,

    /// <summary>One command was parsed: its arguments are in the <see cref="ArgList"/>.</summary>
    Complete = 1,

    /// <summary>A line that is not a command (<c>*0</c>, <c>*-1</c>, an empty inline line): skip it, no reply.</summary>
    Empty = 2,

    /// <summary>Bad input: reply <c>-ERR {ErrorMessage}</c> and close the connection, as Redis does.</summary>
    Error = 3,
}
