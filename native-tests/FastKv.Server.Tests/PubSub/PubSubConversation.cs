using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.PubSub;

/// <summary>
/// The same pub/sub conversation with redis-server and with the server under test: several named connections
/// per server; each step sends a command on one connection (or only reads) and then reads exactly the number of
/// frames the step names from one connection, on both servers, and requires the bytes to be identical.
/// Subscribers receive pushes asynchronously, so a step that expects a message reads it with a timeout rather
/// than assuming it is already there.
/// </summary>
public sealed class PubSubConversation : IDisposable
{
    private readonly RespConnection[] _oracle;
    private readonly RespConnection[] _target;
    private readonly List<string> _log = new();
    public string Context { get; set; } = "";

    public PubSubConversation(ServerProcess oracle, ServerProcess target, int connections)
    {
        _oracle = new RespConnection[connections];
        _target = new RespConnection[connections];
        for (int i = 0; i < connections; i++)
        {
            _oracle[i] = oracle.Connect();
            _target[i] = target.Connect();
        }
    }

    /// <summary>Switches connection <paramref name="conn"/> to RESP3 on both servers (the HELLO replies differ in version and id).</summary>
    public void Resp3(int conn)
    {
        _oracle[conn].Call("HELLO", "3");
        _target[conn].Call("HELLO", "3");
    }

    /// <summary>Sends <paramref name="args"/> on <paramref name="conn"/> and compares the next <paramref name="frames"/> frames there.</summary>
    public void Check(int conn, int frames, params string[] args)
    {
        byte[][] cmd = new byte[args.Length][];
        for (int i = 0; i < args.Length; i++) cmd[i] = Encoding.UTF8.GetBytes(args[i]);
        _oracle[conn].SendCommand(cmd);
        _target[conn].SendCommand(cmd);
        _log.Add($"[{conn}] {Resp.EscapeCommand(cmd)}");
        Read(conn, frames);
    }

    /// <summary>Reads and compares the next <paramref name="frames"/> frames (pushes) on <paramref name="conn"/>.</summary>
    public void Read(int conn, int frames)
    {
        var expected = new StringBuilder();
        var actual = new StringBuilder();
        for (int i = 0; i < frames; i++)
        {
            expected.Append(Resp.Escape(_oracle[conn].ReadReply()));
            actual.Append(ReadTarget(conn));
        }
        if (expected.ToString() != actual.ToString())
        {
            Assert.Fail($"{Context}\nconnection {conn} differs after:\n  {string.Join("\n  ", _log.GetRange(Math.Max(0, _log.Count - 8), Math.Min(8, _log.Count)))}\n" +
                        $"redis:  {expected}\nfastkv: {actual}");
        }
        _log.Add($"[{conn}] read {frames}: {expected}");
    }

    private string ReadTarget(int conn)
    {
        try
        {
            return Resp.Escape(_target[conn].ReadReply(TimeSpan.FromSeconds(5)));
        }
        catch (Exception e) when (e is TimeoutException or RespConnectionClosedException)
        {
            Assert.Fail($"{Context}\nconnection {conn}: no frame from fastkv ({e.Message}) after:\n  {string.Join("\n  ", _log)}");
            throw;
        }
    }

    /// <summary>Both servers have nothing more buffered for <paramref name="conn"/> within a short wait.</summary>
    public void Quiet(int conn)
    {
        Assert.True(NothingWithin(_oracle[conn]), $"{Context}: the oracle sent more on connection {conn}: test script error");
        Assert.True(NothingWithin(_target[conn]), $"{Context}: fastkv sent an unexpected frame on connection {conn}");
    }

    private static bool NothingWithin(RespConnection c)
    {
        if (c.Pending.Length > 0) return false;
        return !c.Socket.Poll(TimeSpan.FromMilliseconds(100), System.Net.Sockets.SelectMode.SelectRead);
    }

    /// <summary>
    /// Sends a command whose reply carries text that legitimately differs (ids, addresses, other fields) and
    /// compares only what <paramref name="pattern"/> captures from it.
    /// </summary>
    public void CheckPart(int conn, string pattern, params string[] args)
    {
        string expected = Matches(_oracle[conn].Call(args), pattern);
        string actual = Matches(_target[conn].Call(args), pattern);
        _log.Add($"[{conn}] {string.Join(' ', args)} ~ {pattern}");
        Assert.False(expected.Length == 0, $"{Context}: pattern {pattern} found nothing in the oracle's reply (test script error)");
        Assert.True(expected == actual, $"{Context}\n{string.Join(' ', args)}: redis '{expected}', fastkv '{actual}'");
    }

    /// <summary>Every match of <paramref name="pattern"/> in the reply, sorted (CLIENT LIST lines come in no fixed order).</summary>
    private static string Matches(byte[] reply, string pattern)
    {
        var all = new List<string>();
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(Resp.AsString(reply), pattern))
            all.Add(m.Value);
        all.Sort(StringComparer.Ordinal);
        return string.Join(" | ", all);
    }

    public void Dispose()
    {
        foreach (var c in _oracle) c.Dispose();
        foreach (var c in _target) c.Dispose();
    }
}
