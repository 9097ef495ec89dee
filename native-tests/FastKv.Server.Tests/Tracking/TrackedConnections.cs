using System;
using System.Collections.Generic;
using System.Globalization;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Tracking;

/// <summary>
/// Named connections to one server running a client-side-caching script, with what each received: its replies in
/// order, its invalidation frames (RESP3 pushes, or <c>__redis__:invalidate</c> messages on a RESP2 subscriber) in
/// order, and every frame in arrival order. The same script runs against the oracle and the server under test and
/// the records are compared. Client ids differ between servers: "$ID:name" in a command stands for that
/// connection's id, and ids in redirect fields come back as "&lt;ID:name&gt;".
/// </summary>
public sealed class TrackedConnections : IDisposable
{
    private readonly ServerProcess _server;
    private readonly Dictionary<string, RespConnection> _conns = new();
    private readonly Dictionary<string, long> _ids = new();
    private readonly HashSet<string> _subscribers = new();

    public Dictionary<string, List<string>> Replies { get; } = new();
    public Dictionary<string, List<string>> Pushes { get; } = new();
    public Dictionary<string, List<string>> Frames { get; } = new();

    public TrackedConnections(ServerProcess server) => _server = server;

    public IEnumerable<string> Names => _conns.Keys;

    private RespConnection Conn(string name)
    {
        if (_conns.TryGetValue(name, out RespConnection? c))
            return c;
        c = _server.Connect();
        _conns[name] = c;
        _ids[name] = long.Parse(Resp.AsString(c.Call("CLIENT", "ID")).AsSpan(1).Trim(), CultureInfo.InvariantCulture);
        Replies[name] = new List<string>();
        Pushes[name] = new List<string>();
        Frames[name] = new List<string>();
        return c;
    }

    /// <summary>Sends a command on a connection and reads frames up to its reply (invalidations met on the way are kept).</summary>
    public string Run(string name, params string[] command)
    {
        RespConnection c = Conn(name);
        var args = new string[command.Length];
        for (int i = 0; i < command.Length; i++)
        {
            string a = command[i];
            args[i] = a;
            if (!a.StartsWith("$ID:", StringComparison.Ordinal)) continue;
            string other = a[4..];
            if (!_ids.ContainsKey(other)) Conn(other);
            args[i] = _ids[other].ToString(CultureInfo.InvariantCulture);
        }
        c.SendCommand(args);
        bool subscribe = command[0].Equals("SUBSCRIBE", StringComparison.OrdinalIgnoreCase);
        while (true)
        {
            string frame = Normalize(Resp.AsString(c.ReadReply()), command);
            Frames[name].Add(frame);
            if (!subscribe && IsInvalidation(name, frame))
            {
                Pushes[name].Add(frame);
                continue;
            }
            Replies[name].Add(frame);
            if (subscribe) _subscribers.Add(name);
            return frame;
        }
    }

    /// <summary>Reads one more reply of a command that answers twice (Redis 7.2's overlapping-PREFIX case).</summary>
    public string ReadSecondReply(string name)
    {
        RespConnection c = Conn(name);
        while (true)
        {
            string frame = Normalize(Resp.AsString(c.ReadReply()), Array.Empty<string>());
            Frames[name].Add(frame);
            if (IsInvalidation(name, frame))
            {
                Pushes[name].Add(frame);
                continue;
            }
            Replies[name].Add(frame);
            return frame;
        }
    }

    /// <summary>Reads until <paramref name="name"/> has received <paramref name="count"/> invalidations (other shards send them on their own time).</summary>
    public void AwaitPushes(string name, int count)
    {
        RespConnection c = Conn(name);
        while (Pushes[name].Count < count)
        {
            string frame = Normalize(Resp.AsString(c.ReadReply()), Array.Empty<string>());
            Frames[name].Add(frame);
            if (IsInvalidation(name, frame)) Pushes[name].Add(frame);
            else Replies[name].Add(frame);
        }
    }

    private bool IsInvalidation(string name, string frame) =>
        frame.StartsWith('>') || (_subscribers.Contains(name) && frame.StartsWith("*3\r\n$7\r\nmessage\r\n", StringComparison.Ordinal));

    private string Normalize(string frame, string[] command)
    {
        foreach (var (name, id) in _ids)
        {
            string num = id.ToString(CultureInfo.InvariantCulture);
            frame = frame.Replace("redirect\r\n:" + num + "\r\n", "redirect\r\n:<ID:" + name + ">\r\n", StringComparison.Ordinal)
                         .Replace("tracking-redir-broken\r\n:" + num + "\r\n", "tracking-redir-broken\r\n:<ID:" + name + ">\r\n", StringComparison.Ordinal)
                         .Replace("$2\r\nid\r\n:" + num + "\r\n", "$2\r\nid\r\n:<ID:" + name + ">\r\n", StringComparison.Ordinal);
            if (command.Length == 2 && command[1].Equals("GETREDIR", StringComparison.OrdinalIgnoreCase) && frame == ":" + num + "\r\n")
                frame = ":<ID:" + name + ">\r\n";
        }
        return frame;
    }

    /// <summary>Closes one connection (a redirect target going away) and waits until the server has let it go.</summary>
    public void Close(string name)
    {
        _conns[name].Dispose();
        _conns.Remove(name);
        string id = "id=" + _ids[name].ToString(CultureInfo.InvariantCulture) + " ";
        using RespConnection probe = _server.Connect();
        for (int i = 0; i < 1000; i++)
        {
            if (!Resp.AsString(probe.Call("CLIENT", "LIST")).Contains(id, StringComparison.Ordinal)) return;
            System.Threading.Thread.Sleep(10);
        }
        Assert.Fail($"{_server.Description}: connection {name} still listed after it closed");
    }

    /// <summary>
    /// Runs <paramref name="script"/> on the oracle, then on the target; waits on the target for as many invalidations
    /// per connection as the oracle sent, then compares replies and invalidations connection by connection (and, with
    /// <paramref name="exactInterleaving"/>, every frame in arrival order: for a script whose invalidations all go to
    /// the connection that caused them, where Redis's order is defined). With <paramref name="unorderedPushes"/> the
    /// invalidations are compared as multisets: those of one command whose keys live on several shards are sent by
    /// each shard as it runs its part, in no fixed order.
    /// </summary>
    public static void Compare(ServerProcess oracle, ServerProcess target, string context, Action<TrackedConnections> script,
        bool exactInterleaving = false, bool unorderedPushes = false)
    {
        using var expected = new TrackedConnections(oracle);
        using var actual = new TrackedConnections(target);
        using (RespConnection o = oracle.Connect()) o.Call("FLUSHALL");
        using (RespConnection t = target.Connect()) t.Call("FLUSHALL");
        script(expected);
        // A last round trip on each oracle connection collects invalidations Redis sent after the last reply.
        foreach (string name in new List<string>(expected.Names))
            if (!expected._subscribers.Contains(name)) expected.Run(name, "PING");
        script(actual);
        foreach (string name in new List<string>(actual.Names))
        {
            if (!expected.Pushes.ContainsKey(name)) continue;
            actual.AwaitPushes(name, expected.Pushes[name].Count);
            if (!actual._subscribers.Contains(name)) actual.Run(name, "PING");
        }
        if (unorderedPushes)
            foreach (var run in new[] { expected, actual })
                foreach (List<string> list in run.Pushes.Values) list.Sort(StringComparer.Ordinal);
        foreach (string name in expected.Names)
        {
            Assert.True(actual.Replies.ContainsKey(name), $"{context}: connection {name} missing");
            Assert.True(string.Join("|", expected.Replies[name]) == string.Join("|", actual.Replies[name]),
                $"{context}: replies of {name} differ\nexpected: {Resp.Escape(Resp.Latin1.GetBytes(string.Join("|", expected.Replies[name])))}\nactual:   {Resp.Escape(Resp.Latin1.GetBytes(string.Join("|", actual.Replies[name])))}");
            Assert.True(string.Join("|", expected.Pushes[name]) == string.Join("|", actual.Pushes[name]),
                $"{context}: invalidations of {name} differ\nexpected: {Resp.Escape(Resp.Latin1.GetBytes(string.Join("|", expected.Pushes[name])))}\nactual:   {Resp.Escape(Resp.Latin1.GetBytes(string.Join("|", actual.Pushes[name])))}");
            if (exactInterleaving)
                Assert.True(string.Join("|", expected.Frames[name]) == string.Join("|", actual.Frames[name]),
                    $"{context}: frames of {name} differ\nexpected: {Resp.Escape(Resp.Latin1.GetBytes(string.Join("|", expected.Frames[name])))}\nactual:   {Resp.Escape(Resp.Latin1.GetBytes(string.Join("|", actual.Frames[name])))}");
        }
    }

    public void Dispose()
    {
        foreach (RespConnection c in _conns.Values) c.Dispose();
    }
}
