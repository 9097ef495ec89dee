using System;

namespace FastKv.Protocol;

/// <summary>
/// Where a <see cref="RespWriter"/> counts the error replies it writes (Redis's afterErrorReply: total_error_replies
/// and INFO errorstats). A writer whose replies are forwarded elsewhere has none, so each error is counted once, by
/// the writer it reaches the client through.
/// </summary>
public interface IErrorReplies
{
    /// <summary>One error reply; <paramref name="message"/> is what follows the '-', without CRLF.</summary>
    void Count(ReadOnlySpan<byte> message);
}
