using System.Collections.Generic;
using System.IO;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Sessions;

/// <summary>
/// Byte-for-byte exchanges with two servers: one write of a pipeline to each, then a given number of RESP frames
/// read back from each (replies and pushes alike) and compared, concatenated, so the order of pushes against
/// replies is part of what is checked.
/// </summary>
public static class ExchangeCheck
{
    public static byte[] Pipeline(params string[][] commands)
    {
        var wire = new MemoryStream();
        foreach (string[] c in commands) wire.Write(Resp.EncodeCommand(c));
        return wire.ToArray();
    }

    /// <summary>Sends <paramref name="wire"/> and reads <paramref name="frames"/> frames.</summary>
    public static byte[] Exchange(RespConnection conn, byte[] wire, int frames)
    {
        conn.Send(wire);
        var all = new MemoryStream();
        for (int i = 0; i < frames; i++) all.Write(conn.ReadReply());
        return all.ToArray();
    }

    /// <summary>Sends the same bytes to both, reads <paramref name="frames"/> frames from each and compares them.</summary>
    public static void Same(RespConnection oracle, RespConnection target, int frames, string context, params string[][] commands)
    {
        byte[] wire = Pipeline(commands);
        string expected = Resp.Escape(Exchange(oracle, wire, frames));
        string actual = Resp.Escape(Exchange(target, wire, frames));
        Assert.True(expected == actual, $"{context}\nsent:     {Resp.Escape(wire)}\nexpected: {expected}\nactual:   {actual}");
    }

    /// <summary>Nothing more arrives on <paramref name="conn"/> (a PING's PONG is the next frame).</summary>
    public static void Quiet(RespConnection conn, string context)
    {
        byte[] pong = Exchange(conn, Resp.EncodeCommand("PING"), 1);
        string text = Resp.AsString(pong);
        Assert.True(text is "+PONG\r\n" or "*2\r\n$4\r\npong\r\n$0\r\n\r\n", $"{context}: expected nothing before PONG, got {Resp.Escape(pong)}");
    }
}
