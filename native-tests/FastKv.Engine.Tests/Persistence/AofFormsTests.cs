using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// The forms commands propagate to the AOF, read from the shard's <see cref="AofRecorder"/> without a writer. Every
/// expected record below is what Redis 7.2.4 wrote to its appendonly.aof.1.incr.aof for the same command (checked
/// by hand against the oracle); absolute times are compared within 5 s of now (see <see cref="Norm"/>).
/// </summary>
public class AofFormsTests
{
    static string Run(EngineHarness h, params string[] command)
    {
        h.Session.Feed(EngineHarness.Command(command));
        EngineHarness.Pump(h.Server);
        string reply = Encoding.UTF8.GetString(h.Session.Output.ToArray());
        h.Session.Output.Clear();
        return reply;
    }

    static EngineHarness Recording()
    {
        var h = new EngineHarness();
        h.Server.Shards[0].Aof.On = true;
        return h;
    }

    /// <summary>The records since the last call, as "db: arg arg ..." lines, and the recorder emptied.</summary>
    static List<string> Take(EngineHarness h)
    {
        AofRecorder aof = h.Server.Shards[0].Aof;
        byte[] bytes = aof.Pending.ToArray();
        aof.Clear();
        var lines = new List<string>();
        for (int p = 0; p < bytes.Length;)
        {
            int db = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(p));
            int len = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(p + 4));
            p += 8;
            lines.Add(db + ": " + string.Join(' ', Norm(ParseArray(bytes.AsSpan(p, len)))));
            p += len;
        }
        return lines;
    }

    /// <summary>One RESP array of bulk strings, as a whole record must be.</summary>
    static List<string> ParseArray(ReadOnlySpan<byte> r)
    {
        int i = 0;
        long n = Number(r, ref i, (byte)'*');
        var args = new List<string>();
        for (long k = 0; k < n; k++)
        {
            int len = (int)Number(r, ref i, (byte)'$');
            args.Add(Encoding.Latin1.GetString(r.Slice(i, len)));
            i += len;
            Assert.Equal((byte)'\r', r[i]);
            Assert.Equal((byte)'\n', r[i + 1]);
            i += 2;
        }
        Assert.Equal(r.Length, i);
        return args;
    }

    static long Number(ReadOnlySpan<byte> r, ref int i, byte type)
    {
        Assert.Equal(type, r[i++]);
        int end = r.Slice(i).IndexOf((byte)'\r');
        long v = long.Parse(Encoding.ASCII.GetString(r.Slice(i, end)), System.Globalization.CultureInfo.InvariantCulture);
        i += end + 2;
        return v;
    }

    /// <summary>The argument after PXAT, and PEXPIREAT's and RESTORE's time, within 5 s of now → &lt;ms&gt;.</summary>
    static List<string> Norm(List<string> a)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (int i = 0; i < a.Count; i++)
        {
            bool time = (i > 0 && a[i - 1].Equals("PXAT", StringComparison.OrdinalIgnoreCase))
                || (i == 2 && (a[0].Equals("PEXPIREAT", StringComparison.OrdinalIgnoreCase) || a[0].Equals("RESTORE", StringComparison.OrdinalIgnoreCase)));
            if (!time || !long.TryParse(a[i], out long ms)) continue;
            foreach (long offset in new long[] { 0, 100_000, 1_000_000 })
                if (Math.Abs(ms - offset - now) <= 5000) a[i] = offset == 0 ? "<now>" : "<now+" + offset + ">";
        }
        return a;
    }

    static void Expect(EngineHarness h, string[] command, params string[] records)
    {
        Run(h, command);
        Assert.Equal(records, Take(h).ToArray());
    }

    [Fact]
    public void StringCommands_PropagateAsRedis()
    {
        using var h = Recording();
        Expect(h, ["SET", "k", "v", "PX", "100000", "GET"], "0: SET k v PXAT <now+100000>");
        Expect(h, ["set", "k2", "v", "pxat", "99999999999999", "get"], "0: set k2 v pxat 99999999999999 get");
        Expect(h, ["set", "k3", "v", "keepttl", "get"], "0: set k3 v keepttl");
        Expect(h, ["set", "k3", "w", "nx", "get"]);
        Expect(h, ["set", "k4", "v", "exat", "99999999999", "nx"], "0: SET k4 v PXAT 99999999999000");
        Expect(h, ["set", "k5", "v", "ex", "100"], "0: SET k5 v PXAT <now+100000>");
        Expect(h, ["setex", "s1", "100", "v"], "0: SET s1 v PXAT <now+100000>");
        Expect(h, ["psetex", "s2", "100000", "v"], "0: SET s2 v PXAT <now+100000>");
        Expect(h, ["set", "plain", "v"], "0: set plain v");
        Expect(h, ["getset", "k3", "x"], "0: SET k3 x");
        Expect(h, ["getex", "k3", "ex", "100"], "0: PEXPIREAT k3 <now+100000>");
        Expect(h, ["getex", "k3", "persist"], "0: PERSIST k3");
        Expect(h, ["getex", "k3", "persist"]);
        Expect(h, ["getex", "k3"]);
        Expect(h, ["getex", "k3", "pxat", "1"], "0: DEL k3");
        Expect(h, ["getdel", "k2"], "0: DEL k2");
        Expect(h, ["getdel", "k2"]);
        Expect(h, ["set", "f", "1.5"], "0: set f 1.5");
        Expect(h, ["incrbyfloat", "f", "1.25"], "0: SET f 2.75 KEEPTTL");
        Expect(h, ["hincrbyfloat", "h", "f", "2.5"], "0: HSET h f 2.5");
        Expect(h, ["incr", "n"], "0: incr n");
    }

    [Fact]
    public void ExpireFamily_PropagatesPExpireAtOrDel()
    {
        using var h = Recording();
        Run(h, "set", "e", "1");
        Take(h);
        Expect(h, ["expire", "e", "100", "nx"], "0: PEXPIREAT e <now+100000> nx");
        Expect(h, ["pexpire", "e", "100000", "xx"], "0: PEXPIREAT e <now+100000> xx");
        Expect(h, ["expireat", "e", "99999999999"], "0: PEXPIREAT e 99999999999000");
        Expect(h, ["pexpireat", "e", "99999999999999"], "0: pexpireat e 99999999999999");
        Expect(h, ["expire", "e", "100", "nx"]);
        Expect(h, ["persist", "e"], "0: persist e");
        Expect(h, ["expire", "e", "-1"], "0: DEL e");
        Expect(h, ["expire", "e", "100"]);
    }

    [Fact]
    public void Pops_PropagateTheirNonBlockingForms()
    {
        using var h = Recording();
        Run(h, "sadd", "st", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
        Take(h);
        string one = Run(h, "spop", "st").Split("\r\n")[1];
        Assert.Equal(["0: SREM st " + one], Take(h));
        string[] two = RespReply.Sorted(Run(h, "spop", "st", "2")).ToArray();
        List<string> rec = Take(h);
        Assert.Single(rec);
        string[] srem = rec[0].Split(' ');
        Assert.Equal(["0:", "SREM", "st"], srem[..3]);
        Array.Sort(srem, 3, srem.Length - 3, StringComparer.Ordinal);
        Assert.Equal(two, srem[3..]);
        // Most of the set goes (the survivors are rebuilt): still SREM of what was popped.
        string[] six = RespReply.Sorted(Run(h, "spop", "st", "6")).ToArray();
        srem = Take(h)[0].Split(' ');
        Array.Sort(srem, 3, srem.Length - 3, StringComparer.Ordinal);
        Assert.Equal(six, srem[3..]);
        Expect(h, ["spop", "st", "100"], "0: DEL st");
        Expect(h, ["spop", "st"]);

        Run(h, "rpush", "l", "a", "b", "c", "d");
        Take(h);
        Expect(h, ["lmpop", "2", "nol", "l", "left", "count", "3"], "0: LPOP l 3");
        Run(h, "zadd", "z", "1", "a", "2", "b", "3", "c");
        Take(h);
        Expect(h, ["zmpop", "1", "z", "max", "count", "5"], "0: ZPOPMAX z 3");

        Run(h, "rpush", "bl", "x", "y", "z");
        Take(h);
        Expect(h, ["blpop", "bl", "0"], "0: LPOP bl");
        Expect(h, ["brpop", "bl", "0"], "0: RPOP bl");
        Expect(h, ["blmove", "bl", "bl2", "left", "Right", "0"], "0: LMOVE bl bl2 left Right");
        Expect(h, ["brpoplpush", "bl2", "bl3", "0"], "0: RPOPLPUSH bl2 bl3");
        Expect(h, ["blmpop", "0", "1", "bl3", "right", "count", "9"], "0: RPOP bl3 1");
        Run(h, "zadd", "bz", "1", "a", "2", "b", "3", "c", "4", "d");
        Take(h);
        Expect(h, ["bzpopmin", "bz", "0"], "0: ZPOPMIN bz");
        Expect(h, ["bzpopmax", "bz", "0"], "0: ZPOPMAX bz");
        Expect(h, ["bzmpop", "0", "1", "bz", "min", "count", "1"], "0: ZPOPMIN bz 1");
    }

    [Fact]
    public void SPop_OfMoreThan1024_PropagatesSRemBatchesOf1024()
    {
        using var h = Recording();
        var add = new List<string> { "sadd", "big" };
        for (int i = 0; i < 5000; i++) add.Add("m" + i);
        Run(h, add.ToArray());
        Take(h);
        Run(h, "spop", "big", "2500");
        List<string> rec = Take(h);
        // Several records of one command are one unit in MULTI/EXEC, as Redis writes them.
        Assert.Equal(5, rec.Count);
        Assert.Equal("-1: MULTI", rec[0]);
        Assert.Equal("-1: EXEC", rec[4]);
        Assert.Equal([1024 + 3, 1024 + 3, 452 + 3], rec.GetRange(1, 3).ConvertAll(r => r.Split(' ').Length).ToArray());
    }

    [Fact]
    public void Restore_WithARelativeTtl_PropagatesItAbsolute()
    {
        using var h = Recording();
        Run(h, "set", "x", "1");
        h.Session.Feed(EngineHarness.Command("dump", "x"));
        byte[] dump = h.Session.Output.ToArray();
        h.Session.Output.Clear();
        int nl = dump.AsSpan().IndexOf("\r\n"u8);
        byte[] payload = dump[(nl + 2)..^2];
        Take(h);
        var w = new System.IO.MemoryStream();
        void Bulk(byte[] b) { w.Write(Encoding.ASCII.GetBytes("$" + b.Length + "\r\n")); w.Write(b); w.Write("\r\n"u8); }
        w.Write("*4\r\n"u8);
        Bulk("restore"u8.ToArray()); Bulk("r2"u8.ToArray()); Bulk("100000"u8.ToArray()); Bulk(payload);
        Assert.Equal("+OK\r\n", h.Run(w.ToArray()));
        List<string> rec = Take(h);
        Assert.Single(rec);
        Assert.StartsWith("0: restore r2 <now+100000> ", rec[0]);
        Assert.EndsWith(" ABSTTL", rec[0]);
    }

    [Fact]
    public void Expiry_PropagatesDelBeforeTheCommand_UnlinkUnderLazyfree()
    {
        using var h = Recording();
        Shard shard = h.Server.Shards[0];
        // A PXAT in the past stores the key already expired (Redis does not check SET's time), so lookups find it so.
        Expect(h, ["set", "a", "1", "pxat", "1"], "0: set a 1 pxat 1");
        Expect(h, ["get", "a"], "0: DEL a");
        Run(h, "set", "b", "1", "pxat", "1");
        Take(h);
        // The DEL and the command are one execution unit: wrapped, as Redis 7.2.4's propagatePendingCommands does.
        Expect(h, ["incr", "b"], "-1: MULTI", "0: DEL b", "0: incr b", "-1: EXEC");
        Run(h, "set", "c", "1", "pxat", "1");
        Take(h);
        Expect(h, ["del", "c"], "0: DEL c");
        Run(h, "select", "3");
        Run(h, "set", "d", "1", "pxat", "1");
        Take(h);
        ExpiryCycle.Run(shard, 100);
        Assert.Equal(["3: DEL d"], Take(h));
        Run(h, "config", "set", "lazyfree-lazy-expire", "yes");
        Run(h, "set", "e", "1", "pxat", "1");
        Take(h);
        Expect(h, ["exists", "e"], "3: UNLINK e");
        Run(h, "set", "f", "1");
        Take(h);
        Expect(h, ["pexpire", "f", "-5"], "3: UNLINK f");
    }

    [Fact]
    public void AofOff_RecordsNothing()
    {
        using var h = new EngineHarness();
        Run(h, "set", "k", "v", "ex", "100");
        Run(h, "set", "a", "1", "pxat", "1");
        Run(h, "get", "a");
        Run(h, "spop", "k");
        Assert.Equal(0, h.Server.Shards[0].Aof.Length);
    }
    /// <summary>Recording every write (verbatim, SET ... PXAT, INCRBYFLOAT's SET ... KEEPTTL) allocates nothing.</summary>
    [Fact]
    public void Recording_SetGetIncr_AllocatesNothing()
    {
        using var h = new EngineHarness(slowlog: false);
        AofRecorder aof = h.Server.Shards[0].Aof;
        aof.On = true;
        var parts = new List<byte>();
        for (int i = 0; i < 100; i++)
        {
            parts.AddRange(EngineHarness.Command("SET", "key-" + i, "value-" + i));
            parts.AddRange(EngineHarness.Command("GET", "key-" + i));
            parts.AddRange(EngineHarness.Command("INCR", "counter-" + (i % 7)));
            parts.AddRange(EngineHarness.Command("SETEX", "ttl-" + (i % 5), "100", "v"));
            parts.AddRange(EngineHarness.Command("INCRBYFLOAT", "float-" + (i % 3), "1.5"));
        }
        byte[] pipeline = parts.ToArray();
        for (int i = 0; i < 300; i++)
        {
            h.Session.Feed(pipeline);
            h.Session.Output.Clear();
            aof.Clear();
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 300; i++)
        {
            h.Session.Feed(pipeline);
            h.Session.Output.Clear();
            Assert.True(aof.Records >= 400, "the writes were recorded");
            aof.Clear();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>The record Begin/Arg/End make of the arguments: what Verbatim must write however it gets there.</summary>
    static byte[] Encoded(AofRecorder aof, int db, byte[] buf, FastKv.Protocol.ArgList args)
    {
        aof.Clear();
        aof.Begin(db, args.Count);
        for (int i = 0; i < args.Count; i++) aof.Arg(args.Get(buf, i));
        aof.End();
        byte[] r = aof.Pending.ToArray();
        aof.Clear();
        return r;
    }

    static byte[] ViaVerbatim(AofRecorder aof, int db, byte[] buf, int length, FastKv.Protocol.ArgList args)
    {
        aof.Clear();
        aof.Verbatim(db, buf.AsSpan(0, length), args);
        byte[] r = aof.Pending.ToArray();
        aof.Clear();
        return r;
    }

    [Theory]
    [InlineData("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n")]
    [InlineData("*3\r\n$3\r\nset\r\n$10\r\n0123456789\r\n$0\r\n\r\n")]
    [InlineData("SET k value\r\n")]
    [InlineData("SET \"a b\" 'c'   d\r\n")]
    [InlineData("set k \"\\x41\\n\"\n")]
    public void Verbatim_CopiesACanonicalRequestWhole_AndEncodesAnyOther(string request)
    {
        byte[] buf = Encoding.Latin1.GetBytes(request + "*1\r\n$4\r\nPING\r\n"); // a pipelined next command
        var args = new FastKv.Protocol.ArgList();
        Assert.Equal(FastKv.Protocol.RespStatus.Complete, new FastKv.Protocol.RespParser().Parse(buf, args, out int consumed));
        using var h = new EngineHarness();
        AofRecorder aof = h.Server.Shards[0].Aof;
        Assert.Equal(Encoded(aof, 3, buf, args), ViaVerbatim(aof, 3, buf, consumed, args));
    }

    /// <summary>Property: for random arguments around every digit boundary, the whole copy equals the encoding.</summary>
    [Fact]
    public void Verbatim_OfRandomCanonicalRequests_EqualsTheEncoding()
    {
        var rng = new Random(1217);
        using var h = new EngineHarness();
        AofRecorder aof = h.Server.Shards[0].Aof;
        int[] sizes = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 1001, 9999, 10000];
        for (int round = 0; round < 500; round++)
        {
            int argc = 1 + rng.Next(rng.Next(2) == 0 ? 4 : 14);
            var parts = new List<byte[]>();
            for (int i = 0; i < argc; i++)
            {
                var a = new byte[rng.Next(3) == 0 ? sizes[rng.Next(sizes.Length)] : rng.Next(40)];
                rng.NextBytes(a);
                parts.Add(a);
            }
            var req = new List<byte>(Encoding.ASCII.GetBytes("*" + argc + "\r\n"));
            foreach (byte[] a in parts)
            {
                req.AddRange(Encoding.ASCII.GetBytes("$" + a.Length + "\r\n"));
                req.AddRange(a);
                req.AddRange("\r\n"u8.ToArray());
            }
            byte[] buf = req.ToArray();
            var args = new FastKv.Protocol.ArgList();
            Assert.Equal(FastKv.Protocol.RespStatus.Complete, new FastKv.Protocol.RespParser().Parse(buf, args, out int consumed));
            Assert.Equal(buf.Length, consumed);
            byte[] viaVerbatim = ViaVerbatim(aof, round % 16, buf, consumed, args);
            Assert.Equal(Encoded(aof, round % 16, buf, args), viaVerbatim);
            Assert.Equal(buf, viaVerbatim.AsSpan(8).ToArray()); // the request itself, after [db][length]
        }
    }
}
