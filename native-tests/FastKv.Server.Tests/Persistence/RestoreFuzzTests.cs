using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using FastKv.Server.Tests.Infrastructure;
using FastKv.Tests.Rdb;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// RESTORE of forged payloads: every truncation of each payload and random bit flips, each with its CRC fixed up so
/// the decoder is reached. Every reply is OK (then the value reads back whole with its type's read command) or
/// "Bad data format"; afterwards the server is up and keys on every shard are intact. At --threads 1 and 4.
/// The payloads are Redis 7.2.4's DUMPs of every encoding (small thresholds, so each is a few dozen bytes) and the
/// hand-built old encodings.
/// </summary>
public class RestoreFuzzTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static TheoryData<int> Threads => new() { 1, 4 };

    static byte[][] Cmd(params object[] args) => args.Select(a => a as byte[] ?? Encoding.UTF8.GetBytes((string)a)).ToArray();

    static List<byte[]> Payloads(RespConnection oracle)
    {
        Assert.Equal("+OK\r\n", oracle.CallText("FLUSHALL"));
        RestoreShapes.Thresholds t = RestoreShapes.Thresholds.Small;
        t.Apply(oracle);
        var result = new List<byte[]>();
        try
        {
            foreach (string[] c in RestoreShapes.Build(t))
                if (c[1] != "list:many") oracle.Call(c); // 3000 elements: too long to cut at every offset
            foreach (string key in RestoreShapes.Keys(t).Where(k => k != "list:many"))
                result.Add(Resp.Parse(oracle.Call("DUMP", key)).Data!);
        }
        finally
        {
            RestoreShapes.Thresholds.Default.Apply(oracle);
            oracle.CallText("FLUSHALL");
        }
        result.AddRange(RestoreShapes.OldEncodings().Select(p => p.Payload));
        return result;
    }

    /// <summary>Forged payloads: each cut of the value (footer rebuilt), and random 1-3 bit flips of the value (CRC fixed).</summary>
    static IEnumerable<byte[]> Forgeries(byte[] payload, Random rng)
    {
        byte[] body = payload[..^10];
        for (int cut = 0; cut < body.Length; cut++) yield return RdbBytes.WithFooter(body.AsSpan(0, cut));
        for (int round = 0; round < 60; round++)
        {
            byte[] f = (byte[])payload.Clone();
            for (int k = 0, n = 1 + rng.Next(3); k < n; k++) f[rng.Next(f.Length - 10)] ^= (byte)(1 << rng.Next(8));
            RdbBytes.FixCrc(f);
            yield return f;
        }
    }

    [Theory]
    [MemberData(nameof(Threads))]
    public void TruncatedAndFlippedPayloads_ErrorOrLoad_ServerAndNeighboursIntact(int threads)
    {
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        using RespConnection oracle = servers.Oracle.Server.Connect();
        List<byte[]> payloads = Payloads(oracle);
        using RespConnection c = target.Connect();
        Assert.Equal("+OK\r\n", c.CallText("FLUSHALL"));
        RestoreShapes.Thresholds.Small.Apply(c);
        try
        {
            // Neighbours spread over the shards.
            var neighbours = Enumerable.Range(0, 32).Select(i => "neighbour:" + i).ToList();
            foreach (string n in neighbours) c.Call("RPUSH", n, n, "second");

            var rng = new Random(20261202);
            int ok = 0, bad = 0;
            for (int p = 0; p < payloads.Count; p++)
            {
                List<byte[]> forged = Forgeries(payloads[p], rng).ToList();
                // One pipeline per payload: RESTORE with REPLACE into a key of its own (so keys land on every shard).
                var wire = new MemoryStream();
                for (int i = 0; i < forged.Count; i++) wire.Write(Resp.EncodeCommand(Cmd("RESTORE", $"fuzz:{p}:{i}", "0", forged[i], "REPLACE")));
                c.Send(wire.ToArray());
                var loaded = new List<string>();
                for (int i = 0; i < forged.Count; i++)
                {
                    string reply = Resp.AsString(c.ReadReply());
                    if (reply == "+OK\r\n") { ok++; loaded.Add($"fuzz:{p}:{i}"); }
                    else
                    {
                        Assert.True(reply == "-ERR Bad data format\r\n", $"payload {p} forgery {i} ({Resp.Escape(forged[i], 200)}): {reply}");
                        bad++;
                    }
                }
                foreach (string key in loaded)
                {
                    List<RespValue> back = RestoreShapes.ReadBack(c, key);
                    Assert.True(back.All(v => !v.IsError) && back[0].Text is "string" or "list" or "set" or "zset" or "hash", $"{key}: {string.Join(", ", back)}");
                    c.Call("DEL", key);
                }
            }
            target.AssertAlive();
            foreach (string n in neighbours)
                Assert.Equal($"*2\r\n${n.Length}\r\n{n}\r\n$6\r\nsecond\r\n", c.CallText("LRANGE", n, "0", "-1"));
            Assert.Equal(":32\r\n", c.CallText("DBSIZE"));
            Assert.True(ok > 0 && bad > 0, $"{ok} loaded, {bad} refused");
        }
        finally
        {
            RestoreShapes.Thresholds.Default.Apply(c);
            c.CallText("FLUSHALL");
        }
    }
}
