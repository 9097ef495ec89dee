using System.Collections.Generic;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Scripting;

/// <summary>
/// FUNCTION and FCALL / FCALL_RO against Redis 7.2.4, byte for byte, over RESP2 and RESP3, at --threads 1 and 4:
/// FUNCTION LOAD's checks (shebang, names, engine, compile and registration errors, what a library may reach while it
/// loads), register_function's two forms and their errors, FCALL's keys and arguments tables, numkeys checks, flags
/// (FCALL_RO, no-writes), runtime errors ("script: name, on @user_function:N."), LIST / STATS / DELETE / FLUSH / KILL /
/// HELP, and DUMP / RESTORE with payloads from either server. Redis lists libraries and functions in its dicts' order,
/// which is no order, so a LIST compared here covers one library of one function, or several in one library only
/// when LIBRARYNAME picks a single-function library.
/// </summary>
public class FunctionDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int, int>> Cases()
    {
        foreach (int threads in new[] { 1, 4 })
            foreach (int protocol in new[] { 2, 3 })
                yield return new(threads, protocol);
    }

    const string Lib1 = """
        #!lua name=lib1
        redis.register_function('f1', function(keys, args) return {keys, args} end)
        redis.register_function{function_name='f2', callback=function(k, a) return redis.call('set', k[1], a[1]) end, flags={'allow-oom'}, description='desc two'}
        redis.register_function{function_name='ro', callback=function(k, a) return redis.call('get', k[1]) end, flags={'no-writes'}}
        redis.register_function{function_name='ro2', callback=function(k, a) return redis.call('set', k[1], 1) end, flags={'NO-WRITES'}}
        redis.register_function('boom', function(k, a) error('oops') end)
        redis.register_function('glob', function(k, a) return x end)
        redis.register_function('setg', function(k, a) y = 1 end)
        redis.register_function('keys', function(k, a) return KEYS end)
        redis.register_function('nosuch', function(k, a) return redis.call('nosuch') end)
        redis.register_function('pnosuch', function(k, a) return redis.pcall('nosuch') end)
        redis.register_function('fmt', function(k, a) return string.format('%d', #k + #a) end)
        redis.register_function('ver', function(k, a) return {redis.LOG_WARNING, redis.REDIS_VERSION_NUM, type(redis.register_function)} end)
        redis.register_function('resp', function(k, a) redis.setresp(3) return redis.call('hgetall', k[1]) end)
        redis.register_function('incr', function(k, a) return redis.call('incrby', k[1], a[1]) end)
        local r = redis
        redis.register_function('late', function() return r.register_function('b', function() end) end)
        """;

    /// <summary>Loads that fail, each with its own error (the library's name is free), and three quoted shebangs that load.</summary>
    static readonly string[] BadLibraries =
    {
        "return 1",
        "#!lua\nreturn 1",
        "#!lua name=a-b\nreturn 1",
        "#!lua name=\nreturn 1",
        "#!foo name=x\nreturn 1",
        "#!foo name=a-b\nreturn 1",
        "#!lua name=x foo=bar\nreturn 1",
        "#!lua name=x name=y\nreturn 1",
        // The shebang is split as sdssplitargs splits it: quotes group and drop, unbalanced ones are refused.
        "#!lua name=\"q1\"\nredis.register_function('fq1', function() return 1 end)",
        "#!\"lua\" 'name=q2'\nredis.register_function('fq2', function() return 1 end)",
        "#!lua name='a b'\nreturn 1",
        "#!lua name=x\"\nreturn 1",
        "#!lua \"name=x\"y\nreturn 1",
        "#!lua name=\"\\x71\\x33\"\nredis.register_function('fq3', function() return 1 end)",
        "#!lua name=x\0\nreturn 1",
        "#!lua name=x",
        "#!lua name=x\nretur 1",
        "#!lua name=x\nreturn 1",
        "#!lua name=x\nlocal s = string.format('a')",
        "#!lua name=x\nx = 1",
        "#!lua name=x\nredis.call('ping')",
        "#!lua name=x\nredis.x = 1",
        "#!lua name=x\nredis.log = 1",
        "#!lua name=x\nredis.setresp(3)",
        "#!lua name=x\nerror('boom')",
        "#!lua name=x\nprint(1)",
        "#!lua name=x\nredis.register_function('f-1', function() end)",
        "#!lua name=x\nredis.register_function('g', function() end) redis.register_function('g', function() end)",
        "#!lua name=x\nredis.register_function('a')",
        "#!lua name=x\nredis.register_function(1, 2)",
        "#!lua name=x\nredis.register_function('a', 2)",
        "#!lua name=x\nredis.register_function('a', function() end, 3)",
        "#!lua name=x\nredis.register_function()",
        "#!lua name=x\nredis.register_function(5)",
        "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, flags={'bad'}}",
        "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, flags={1}}",
        "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, flags='no-writes'}",
        "#!lua name=x\nredis.register_function{function_name='a', callbak=function() end}",
        "#!lua name=x\nredis.register_function{callback=function() end}",
        "#!lua name=x\nredis.register_function{function_name='a'}",
        "#!lua name=x\nredis.register_function{function_name='a', callback=1}",
        "#!lua name=x\nredis.register_function{[1]='a'}",
        "#!lua name=lib1\nredis.register_function('other', function() return 1 end)",
        "#!lua name=lib2\nredis.register_function('F1', function() return 1 end)",
    };

    /// <summary>
    /// DEBUG RELOAD's options and the functions, as Redis 7.2.4: a reload empties them and loads the file's; NOFLUSH keeps
    /// them, so a library the file holds too fails the load, unless MERGE lets the file's replace it; NOSAVE loads the
    /// file as it was, and a library loaded since stays with NOFLUSH.
    /// </summary>
    [Theory]
    [InlineData(4)]
    [InlineData(1)]
    public void DebugReloadOptions_KeepOrMergeFunctions(int threads)
    {
        ServerProcess oracle = servers.Oracle.Server;
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        using var session = new DualSession(oracle, target) { Context = $"DEBUG RELOAD and functions, --threads {threads}" };
        session.Check("FLUSHALL");
        session.Check("FUNCTION", "FLUSH");
        session.Check("FUNCTION", "LOAD", "#!lua name=t1\nredis.register_function('t1', function() return 'one' end)");
        session.Check("SET", "x", "1");
        session.Check("DEBUG", "RELOAD");
        session.Check("FUNCTION", "LIST");
        session.Check("DEBUG", "RELOAD", "NOFLUSH");
        session.Check("FUNCTION", "LIST");
        session.Check("DEBUG", "RELOAD", "NOFLUSH", "MERGE");
        session.Check("FUNCTION", "LIST");
        session.Check("FUNCTION", "LOAD", "#!lua name=t2\nredis.register_function('t2', function() return 'two' end)");
        session.Check("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE");
        session.Check("FCALL", "t1", "0");
        session.Check("FCALL", "t2", "0");
        session.Check("DEBUG", "RELOAD", "NOSAVE");
        session.Check("FUNCTION", "LIST");
        session.Check("GET", "x");
        session.Check("FUNCTION", "FLUSH");
        session.Check("FLUSHALL");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FunctionsAndFcall_MatchRedis(int threads, int protocol)
    {
        ServerProcess oracle = servers.Oracle.Server;
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        using var session = new DualSession(oracle, target) { Context = $"--threads {threads}, RESP{protocol}" };
        session.Check("FLUSHALL");
        session.Check("FUNCTION", "FLUSH");
        if (protocol == 3) session.Check("HELLO", "3");

        session.Check("FUNCTION", "LOAD", Lib1);
        foreach (string body in BadLibraries) session.Check("FUNCTION", "LOAD", body);
        session.Check("FUNCTION", "LOAD", "#!LUA   name=one  \nredis.register_function{function_name=1, callback=function() return 'one' end, description=2, FLAGS={'allow-stale','no-cluster','allow-cross-slot-keys','allow-oom','no-writes'}}");
        session.Check("FUNCTION", "LIST", "LIBRARYNAME", "one");
        session.Check("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "ON?");
        session.Check("FUNCTION", "LIST", "LIBRARYNAME", "nomatch*");
        session.Check("FUNCTION", "STATS");
        session.Check("FCALL", "1", "0");

        string[][] calls =
        {
            new[] { "FCALL", "f1", "2", "{f}a", "{f}b", "c", "d" },
            new[] { "FCALL", "F1", "0" },
            new[] { "FCALL", "f1", "x" },
            new[] { "FCALL", "f1", "3", "{f}a" },
            new[] { "FCALL", "f1", "-1" },
            new[] { "FCALL", "nosuchfunction", "0" },
            new[] { "FCALL", "nosuchfunction", "x" },
            new[] { "FCALL", "f1" },
            new[] { "FCALL_RO", "f2", "1", "{f}k", "v" },
            new[] { "FCALL_RO", "ro", "1", "{f}k" },
            new[] { "FCALL", "f2", "1", "{f}k", "v" },
            new[] { "FCALL_RO", "ro", "1", "{f}k" },
            new[] { "FCALL", "ro", "1", "{f}k" },
            new[] { "FCALL_RO", "ro2", "1", "{f}k" },
            new[] { "FCALL", "ro2", "1", "{f}k" },
            new[] { "FCALL", "boom", "0" },
            new[] { "FCALL", "glob", "0" },
            new[] { "FCALL", "setg", "0" },
            new[] { "FCALL", "keys", "0" },
            new[] { "FCALL", "nosuch", "0" },
            new[] { "FCALL", "pnosuch", "0" },
            new[] { "FCALL", "fmt", "2", "{f}a", "{f}b", "c" },
            new[] { "FCALL", "ver", "0" },
            new[] { "FCALL", "late", "0" },
            new[] { "HSET", "{f}h", "a", "1" },
            new[] { "FCALL", "resp", "1", "{f}h" },
            new[] { "FCALL", "incr", "1", "{f}n", "5" },
            new[] { "FCALL", "incr", "1", "{f}n", "x" },
            new[] { "GET", "{f}n" },
            new[] { "GET", "{f}k" },
        };
        foreach (string[] call in calls) session.Check(call);

        // Changing the libraries: every shard's state must follow.
        session.Check("FUNCTION", "LOAD", "REPLACE", "#!lua name=lib1\nredis.register_function('f9', function(k, a) return 9 end)");
        session.Check("FCALL", "f9", "1", "{g}x");
        session.Check("FCALL", "f1", "1", "{g}x");
        session.Check("FUNCTION", "LIST", "LIBRARYNAME", "lib1");
        session.Check("FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function('f9', function() return 1 end)");
        session.Check("FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function('F1', function() return 'new' end)");
        session.Check("FCALL", "f1", "1", "{h}x");
        session.Check("FUNCTION", "STATS");
        session.Check("FUNCTION", "DELETE", "lib2");
        session.Check("FUNCTION", "DELETE", "lib2");
        session.Check("FUNCTION", "DELETE", "LIB1");
        session.Check("FCALL", "f1", "1", "{h}x");

        // The commands' own errors and replies.
        session.Check("FUNCTION", "LOAD", "x", "y");
        session.Check("FUNCTION", "LOAD", "REPLACE");
        session.Check("FUNCTION", "LIST", "foo");
        session.Check("FUNCTION", "LIST", "LIBRARYNAME");
        session.Check("FUNCTION", "LIST", "WITHCODE", "WITHCODE");
        session.Check("FUNCTION", "LIST", "LIBRARYNAME", "a", "LIBRARYNAME", "b");
        session.Check("FUNCTION", "KILL");
        session.Check("FUNCTION", "HELP");
        session.Check("FUNCTION", "NOSUCH");
        session.Check("FUNCTION", "FLUSH", "foo");
        session.Check("FUNCTION", "FLUSH", "a", "b");
        session.Check("FUNCTION", "RESTORE", "x");
        session.Check("FUNCTION", "RESTORE", "x", "y");
        session.Check("FUNCTION", "RESTORE", "x", "y", "z");

        // DUMP of one library (Redis's order of several is its own), compressed (long code) and not.
        session.Check("FUNCTION", "FLUSH", "ASYNC");
        session.Check("FUNCTION", "DUMP");
        session.Check("FUNCTION", "LOAD", "#!lua name=s\nredis.register_function('s', function() return 's' end)");
        byte[] small = Bulk(session.Check("FUNCTION", "DUMP"));
        session.Check("FUNCTION", "FLUSH", "SYNC");
        session.Check("FUNCTION", "LOAD", Lib1);
        byte[] big = Bulk(session.Check("FUNCTION", "DUMP"));
        session.Check(new[] { "FUNCTION"u8.ToArray(), "RESTORE"u8.ToArray(), big }, -1);
        session.Check(new[] { "FUNCTION"u8.ToArray(), "RESTORE"u8.ToArray(), small, "REPLACE"u8.ToArray() }, -1);
        session.Check("FCALL", "s", "0");
        session.Check(new[] { "FUNCTION"u8.ToArray(), "RESTORE"u8.ToArray(), big, "REPLACE"u8.ToArray() }, -1);
        session.Check("FUNCTION", "STATS");
        session.Check(new[] { "FUNCTION"u8.ToArray(), "RESTORE"u8.ToArray(), small, "FLUSH"u8.ToArray() }, -1);
        session.Check("FUNCTION", "LIST", "WITHCODE");
        session.Check("FUNCTION", "DUMP");
        session.Check(new[] { "FUNCTION"u8.ToArray(), "RESTORE"u8.ToArray(), Corrupt(small) }, -1);
        session.Check("FUNCTION", "FLUSH");
        session.Check("FUNCTION", "STATS");
        target.AssertAlive();
    }

    /// <summary>
    /// FastKv's own DUMP restores in Redis and Redis's in FastKv, with several libraries (whose order in a payload
    /// differs): both end with the same libraries.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void DumpPayloads_RestoreAcrossServers(int threads)
    {
        using RespConnection o = servers.Oracle.Server.Connect();
        using RespConnection t = servers.TargetWithThreads(threads).Server.Connect();
        string[] libs =
        {
            "#!lua name=alpha\nredis.register_function('a1', function(k, a) return 'a1' end)",
            "#!lua name=beta\nredis.register_function{function_name='b1', callback=function(k, a) return #k end, flags={'no-writes'}, description='the second library, long enough to be compressed by LZF'}",
        };
        foreach (RespConnection c in new[] { o, t })
        {
            Assert.Equal("+OK\r\n", c.CallText("FUNCTION", "FLUSH"));
            foreach (string l in libs) c.Call("FUNCTION", "LOAD", l);
        }
        byte[] fromRedis = Bulk(o.Call("FUNCTION", "DUMP")), fromTarget = Bulk(t.Call("FUNCTION", "DUMP"));
        Assert.Equal("+OK\r\n", o.CallText("FUNCTION", "FLUSH"));
        Assert.Equal("+OK\r\n", t.CallText("FUNCTION", "FLUSH"));
        Assert.Equal("+OK\r\n", Resp.AsString(o.Call(new[] { "FUNCTION"u8.ToArray(), "RESTORE"u8.ToArray(), fromTarget })));
        Assert.Equal("+OK\r\n", Resp.AsString(t.Call(new[] { "FUNCTION"u8.ToArray(), "RESTORE"u8.ToArray(), fromRedis })));
        foreach (string lib in new[] { "alpha", "beta" })
            Assert.Equal(o.CallText("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", lib), t.CallText("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", lib));
        Assert.Equal(o.CallText("FCALL", "b1", "2", "{x}1", "{x}2"), t.CallText("FCALL", "b1", "2", "{x}1", "{x}2"));
        Assert.Equal(o.CallText("FUNCTION", "RESTORE", "x", "APPEND"), t.CallText("FUNCTION", "RESTORE", "x", "APPEND"));
        // Appending libraries that exist fails on the first one met, in Redis's dict order, which is no order.
        foreach (RespConnection c in new[] { o, t })
            Assert.Matches(@"^-ERR Library (alpha|beta) already exists\r\n$", Resp.AsString(c.Call(new[] { "FUNCTION"u8.ToArray(), "RESTORE"u8.ToArray(), fromRedis })));
        o.Call("FUNCTION", "FLUSH");
        t.Call("FUNCTION", "FLUSH");
    }

    /// <summary>
    /// FUNCTION LOAD runs a library's code for at most 500 ms (Redis's load timeout), even through a pcall in the code;
    /// a load that finishes in time registers, and the server serves on.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void FunctionLoad_StopsCodeRunningPastTheTimeout(int threads)
    {
        using var session = new DualSession(servers.Oracle.Server, servers.TargetWithThreads(threads).Server) { Context = $"--threads {threads}" };
        session.Check("FUNCTION", "FLUSH");
        session.Check("FUNCTION", "LOAD", "#!lua name=spin\nlocal i = 0 while true do i = i + 1 end");
        session.Check("FUNCTION", "LOAD", "#!lua name=spin\nredis.register_function('f', function() return 1 end) local i = 0 while true do i = i + 1 end");
        session.Check("FUNCTION", "LIST");
        session.Check("FUNCTION", "LOAD", "#!lua name=quick\nlocal i = 0 for j = 1, 1e5 do i = i + 1 end redis.register_function('q', function() return i end)");
        session.Check("FCALL", "q", "0");
        session.Check("FUNCTION", "FLUSH");
    }

    static byte[] Bulk(byte[] reply) => Resp.Parse(reply).Data!;

    /// <summary>The payload with its checksum broken.</summary>
    static byte[] Corrupt(byte[] payload)
    {
        byte[] c = (byte[])payload.Clone();
        c[^1] ^= 0x55;
        return c;
    }
}
