using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// WAITAOF and WAIT on a master without replicas, against Redis 7.2.4: the same conversation on both servers gives
/// the same replies, byte for byte, over RESP2 and RESP3. Covered: argument errors in Redis's order; WAITAOF with
/// appendonly off; a client's writes on several shards acknowledged under appendfsync always and everysec (the
/// background fsync ends the wait) and never under no (only a client that wrote nothing is acknowledged there);
/// a replica asked for, which only the timeout ends; inside MULTI, answered at once as of the writes before EXEC;
/// CLIENT UNBLOCK (TIMEOUT and ERROR) and appendonly turned off while a client waits; under no, a rewrite's switch
/// (the old INCR fsynced in the background) ending a wait; no-appendfsync-on-rewrite holding the local fsync back while
/// a BGSAVE runs.
/// Waits are asserted by what the server reports (blocked_clients, CLIENT LIST flag b), a timeout only by the
/// lower bound it cannot undercut.
/// </summary>
public class WaitAofTests
{
    /// <summary>Keys without a hash tag: with several threads they land on several shards.</summary>
    static readonly string[] Keys = ["k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "alpha", "beta", "gamma"];

    [Theory]
    [InlineData(1, 2)]
    [InlineData(1, 3)]
    [InlineData(4, 2)]
    [InlineData(4, 3)]
    public void Arguments_And_AppendOnlyOff(int threads, int protocol) => Compare(threads, ["--appendonly", "no"], (server, log) =>
    {
        using RespConnection c = Open(server, protocol);
        foreach (string[] cmd in new[]
        {
            new[] { "waitaof", "1", "0", "0" }, ["waitaof", "0", "0", "0"], ["waitaof", "2", "0", "0"], ["waitaof", "-1", "0", "0"],
            ["waitaof", "x", "0", "0"], ["waitaof", "1.5", "0", "0"], ["waitaof", "0", "-1", "0"], ["waitaof", "0", "x", "0"],
            ["waitaof", "0", "0", "-1"], ["waitaof", "0", "0", "x"], ["waitaof", "0", "0", "1.5"],
            ["waitaof", "0", "0", "9223372036854775807"], ["waitaof", "0", "0", "9223372036854775808"], ["waitaof", "1", "x", "-1"],
            ["waitaof", "2", "x", "x"], ["waitaof", "1", "0", "x"], ["waitaof", "0", "0"], ["waitaof", "0", "0", "0", "0"],
            ["wait", "0", "0"], ["wait", "-5", "0"], ["wait", "x", "0"], ["wait", "0", "x"], ["wait", "0", "-1"], ["wait", "x", "-1"],
            ["wait", "99999999999999999999", "0"], ["wait", "0", "9223372036854775000"], ["wait", "0"],
            ["set", "k1", "v"], ["waitaof", "0", "0", "0"], ["wait", "1", "50"], ["waitaof", "0", "1", "50"],
        })
            log.Add(string.Join(' ', cmd) + " -> " + c.CallText(cmd));
    });

    [Theory]
    [InlineData(1, 2, "always")]
    [InlineData(1, 3, "everysec")]
    [InlineData(1, 2, "no")]
    [InlineData(4, 3, "always")]
    [InlineData(4, 2, "everysec")]
    [InlineData(4, 3, "no")]
    public void Writes_On_Several_Shards(int threads, int protocol, string fsync) =>
        Compare(threads, ["--appendonly", "yes", "--appendfsync", fsync], (server, log) =>
        {
            using RespConnection writer = Open(server, protocol);
            using RespConnection reader = Open(server, protocol);
            // A client that wrote nothing has nothing to wait for, whatever the policy.
            log.Add("fresh: " + reader.CallText("waitaof", "1", "0", "0"));
            foreach (string k in Keys) log.Add(writer.CallText("set", k, "v"));
            log.Add(writer.CallText("incr", "k9"));
            log.Add(writer.CallText("del", "k1", "k2", "k3", "k4"));
            log.Add(writer.CallText("mset", "k5", "a", "k6", "b", "k7", "c"));
            if (fsync == "no")
            {
                // Nothing fsyncs under no: the wait ends by its timeout, unacknowledged.
                log.Add("no: " + writer.CallText("waitaof", "1", "0", "100"));
                log.Add("no, nothing asked: " + writer.CallText("waitaof", "0", "0", "0"));
            }
            else
            {
                // always: fsynced before the reply; everysec: the background fsync ends the wait.
                log.Add("local: " + writer.CallText("waitaof", "1", "0", "0"));
            }
            log.Add("reader still: " + reader.CallText("waitaof", "1", "0", "0"));
            // A replica is never there: the wait lasts its whole timeout and reports the local fsync.
            var sw = Stopwatch.StartNew();
            log.Add("replica: " + writer.CallText("waitaof", "1", "1", "200"));
            Assert.True(sw.ElapsedMilliseconds >= 100, server.Description + ": WAITAOF 1 1 200 answered after " + sw.ElapsedMilliseconds + " ms");
            sw.Restart();
            log.Add("wait: " + writer.CallText("wait", "1", "200"));
            Assert.True(sw.ElapsedMilliseconds >= 100, server.Description + ": WAIT 1 200 answered after " + sw.ElapsedMilliseconds + " ms");
            // Inside MULTI: at once, as of the writes before EXEC (the SET queued here counts after it).
            foreach (string[] cmd in new[]
            {
                new[] { "multi" }, ["set", "k10", "v"], ["waitaof", "1", "0", "0"], ["waitaof", "0", "1", "0"], ["wait", "1", "0"],
                ["waitaof", "0", "0", "x"], ["waitaof", "1", "0", "0"], ["exec"],
            })
                log.Add("multi: " + writer.CallText(cmd));
            using RespConnection fresh = Open(server, protocol);
            foreach (string[] cmd in new[] { new[] { "multi" }, ["set", "k11", "v"], ["waitaof", "1", "0", "0"], ["exec"] })
                log.Add("fresh multi: " + fresh.CallText(cmd));
        });

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Blocked_Until_Unblocked_Or_AppendOnly_Off(int threads) =>
        Compare(threads, ["--appendonly", "yes", "--appendfsync", "no"], (server, log) =>
        {
            using RespConnection c = server.Connect();
            using RespConnection probe = server.Connect();
            string id = Resp.AsString(c.Call("client", "id"))[1..^2];
            foreach (string k in Keys) c.Call("set", k, "v");
            // Under no the local fsync never comes: blocked until CLIENT UNBLOCK, which answers as a timeout would.
            c.SendCommand("waitaof", "1", "0", "0");
            WaitForBlocked(server, probe, 1);
            log.Add("flags: " + Flags(probe, id));
            log.Add("unblock: " + probe.CallText("client", "unblock", id));
            log.Add("waitaof: " + Resp.AsString(c.ReadReply()));
            c.SendCommand("wait", "1", "0");
            WaitForBlocked(server, probe, 1);
            log.Add("unblock error: " + probe.CallText("client", "unblock", id, "error"));
            log.Add("wait: " + Resp.AsString(c.ReadReply()));
            c.SendCommand("waitaof", "0", "1", "0");
            WaitForBlocked(server, probe, 1);
            log.Add("unblock timeout: " + probe.CallText("client", "unblock", id, "timeout"));
            log.Add("waitaof 0 1: " + Resp.AsString(c.ReadReply()));
            // appendonly no ends a wait for the local fsync with WAITAOF's error.
            c.SendCommand("waitaof", "1", "0", "0");
            WaitForBlocked(server, probe, 1);
            log.Add("config: " + probe.CallText("config", "set", "appendonly", "no"));
            log.Add("waitaof after off: " + Resp.AsString(c.ReadReply()));
            log.Add("blocked: " + BlockedClients(probe));
            log.Add("after: " + c.CallText("waitaof", "1", "0", "0"));
            log.Add("ping: " + c.CallText("ping"));
        });

    /// <summary>
    /// Under appendfsync no a local fsync comes only when a rewrite switches to a new INCR and the old one is fsynced
    /// and closed in the background (Redis's bio close job): that ends the wait of a client that wrote before it.
    /// </summary>
    [Theory]
    [InlineData(1, 2)]
    [InlineData(4, 3)]
    public void No_Released_By_A_Rewrite(int threads, int protocol) =>
        Compare(threads, ["--appendonly", "yes", "--appendfsync", "no"], (server, log) =>
        {
            using RespConnection c = Open(server, protocol);
            using RespConnection probe = server.Connect();
            foreach (string k in Keys) c.Call("set", k, "v");
            c.SendCommand("waitaof", "1", "0", "0");
            WaitForBlocked(server, probe, 1);
            log.Add("bgrewriteaof: " + probe.CallText("bgrewriteaof"));
            log.Add("waitaof: " + Resp.AsString(c.ReadReply()));
            log.Add("blocked: " + BlockedClients(probe));
            // Written after the switch: not fsynced until the next rewrite.
            c.Call("set", "k1", "w");
            c.SendCommand("waitaof", "1", "0", "0");
            WaitForBlocked(server, probe, 1);
            WaitForRewriteEnd(server, probe);
            log.Add("bgrewriteaof again: " + probe.CallText("bgrewriteaof"));
            log.Add("waitaof again: " + Resp.AsString(c.ReadReply()));
            log.Add("get: " + c.CallText("get", "k1"));
        });

    /// <summary>
    /// no-appendfsync-on-rewrite yes under appendfsync always: while a BGSAVE runs (Redis's child), writes are written
    /// but not fsynced, so WAITAOF for the local fsync times out; once it ends the fsync catches up on its own.
    /// With the option off, the same write is fsynced at once.
    /// </summary>
    [Theory]
    [InlineData(1, 2)]
    [InlineData(4, 3)]
    public void NoAppendFsyncOnRewrite_Postpones_The_Fsync(int threads, int protocol) =>
        Compare(threads, ["--appendonly", "yes", "--appendfsync", "always", "--no-appendfsync-on-rewrite", "yes",
            "--rdb-key-save-delay", "1000000"], (server, log) =>
        {
            using RespConnection c = Open(server, protocol);
            using RespConnection probe = server.Connect();
            // A second per key: the BGSAVE outlasts the write and its 50 ms wait by far, even on a loaded machine.
            foreach (string k in Keys[..2]) c.Call("set", k, "v");
            log.Add("before: " + c.CallText("waitaof", "1", "0", "0"));
            log.Add("bgsave: " + probe.CallText("bgsave"));
            c.Call("set", "x", "1");
            log.Add("during: " + c.CallText("waitaof", "1", "0", "50"));
            WaitForSaveEnd(server, probe);
            log.Add("after: " + c.CallText("waitaof", "1", "0", "0"));
            log.Add("config: " + probe.CallText("config", "set", "no-appendfsync-on-rewrite", "no"));
            log.Add("bgsave: " + probe.CallText("bgsave"));
            c.Call("set", "x", "2");
            log.Add("option off: " + c.CallText("waitaof", "1", "0", "0"));
            WaitForSaveEnd(server, probe);
        });

    /// <summary>Runs the conversation on Redis 7.2.4 and on FastKv; their logs must be equal.</summary>
    static void Compare(int threads, string[] args, Action<ServerProcess, List<string>> conversation)
    {
        List<string> redis = Run(ServerKind.Redis, threads, args, conversation);
        List<string> fastkv = Run(ServerKind.Target, threads, args, conversation);
        Assert.Equal(redis, fastkv);
    }

    static List<string> Run(ServerKind kind, int threads, string[] args, Action<ServerProcess, List<string>> conversation)
    {
        using var server = ServerProcess.Start(kind, threads, args);
        var log = new List<string>();
        conversation(server, log);
        return log;
    }

    static RespConnection Open(ServerProcess server, int protocol)
    {
        RespConnection c = server.Connect();
        if (protocol == 3) c.Call("hello", "3");
        return c;
    }

    static string Flags(RespConnection probe, string id)
    {
        foreach (string line in Resp.AsString(probe.Call("client", "list")).Split('\n'))
            if (line.Contains("id=" + id + " ", StringComparison.Ordinal))
            {
                int at = line.IndexOf(" flags=", StringComparison.Ordinal) + 7;
                return line[at..line.IndexOf(' ', at)];
            }
        return "<client not listed>";
    }

    static int BlockedClients(RespConnection probe)
    {
        string info = Resp.AsString(probe.Call("info", "clients"));
        int at = info.IndexOf("blocked_clients:", StringComparison.Ordinal) + 16;
        return int.Parse(info.AsSpan(at, info.IndexOf('\r', at) - at), CultureInfo.InvariantCulture);
    }

    static void WaitForSaveEnd(ServerProcess server, RespConnection probe)
    {
        for (int i = 0; i < 1000; i++)
        {
            if (Resp.AsString(probe.Call("info", "persistence")).Contains("rdb_bgsave_in_progress:0", StringComparison.Ordinal)) return;
            System.Threading.Thread.Sleep(10);
        }
        Assert.Fail(server.Description + ": the BGSAVE did not end");
    }

    static void WaitForRewriteEnd(ServerProcess server, RespConnection probe)
    {
        for (int i = 0; i < 1000; i++)
        {
            if (Resp.AsString(probe.Call("info", "persistence")).Contains("aof_rewrite_in_progress:0", StringComparison.Ordinal)) return;
            System.Threading.Thread.Sleep(10);
        }
        Assert.Fail(server.Description + ": the rewrite did not end");
    }

    static void WaitForBlocked(ServerProcess server, RespConnection probe, int count)
    {
        for (int i = 0; i < 1000; i++)
        {
            if (BlockedClients(probe) >= count) return;
            System.Threading.Thread.Sleep(10);
        }
        Assert.Fail(server.Description + ": the client did not block");
    }
}
