using System;
using System.Text.RegularExpressions;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Scripting;

/// <summary>
/// A script cannot take the server down (issue 13, "Limits and safety"): runaway recursion, huge results, deep
/// nesting through the libraries answer Redis 7.2.4's errors; each shard's Lua state is bounded
/// (fastkv-lua-max-memory: past it a script fails with Lua's "not enough memory", the next script runs) and counted in
/// used_memory (which Redis 7.2 leaves Lua out of: there the two only share used_memory_lua).
/// </summary>
[Trait("Category", "Smoke")]
public class LuaSafetyTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void RunawayScripts_AnswerRedisErrors(int threads)
    {
        using var session = new DualSession(servers.Oracle.Server, servers.TargetWithThreads(threads).Server) { Context = $"--threads {threads}" };
        session.Check("EVAL", "local function f(n) return f(n + 1) + 1 end return f(1)", "0");
        session.Check("EVAL", "local function f(n) return 1 + f(n + 1) end return pcall(f, 1)", "0");
        session.Check("EVAL", "return #{unpack({}, 1, 1e8)}", "0");
        session.Check("EVAL", "return string.rep('x', -1)", "0");
        session.Check("EVAL", "local t = setmetatable({}, {__index = function(t, k) return t[k + 1] end}) return t[1]", "0");
        session.Check("EVAL", "return cjson.decode(string.rep('[', 100000))", "0");
        session.Check("EVAL", "local t = {} local c = t for i = 1, 10000 do c[1] = {} c = c[1] end return cjson.encode(t)", "0");
        session.Check("EVAL", "local t = {} local c = t for i = 1, 10000 do c[1] = {} c = c[1] end return #cmsgpack.pack(t)", "0");
        session.Check("EVAL", "return {cmsgpack.unpack(string.rep('\\145', 100000))}", "0");
        // Precompiled chunks never load: Redis's Lua parses every chunk as text.
        session.Check("EVAL", "return loadstring(string.dump(function() return 1 end))()", "0");
        session.Check("EVAL", "local f, e = loadstring(string.dump(function() return 1 end)) return {tostring(f), e}", "0");
        session.Check("EVAL", "local f, e = loadstring(string.dump(function() return 1 end), 'named') return e", "0");
        session.Check("EVAL", "local d = string.dump(function() return 1 end) local f, e = load(function() local x = d d = nil return x end) return e", "0");
        session.Check("EVAL", "local s = 'return 8' local f = load(function() local x = s s = nil return x end) return f()", "0");
        session.Check("EVAL", "return loadstring('return 7')()", "0");
        session.Check("EVAL", "return 'still here'", "0");
        servers.TargetWithThreads(threads).Server.AssertAlive();
    }

    /// <summary>
    /// Finalizers (a newproxy's __gc) are Lua code that may call redis.call: they must run only inside a script's
    /// protected call, never while C# builds the next script's KEYS and ARGV (an unprotected error there was a Lua panic
    /// that took the process down). Every one of them runs, inside some script: the count is exact. FastKv only: Redis
    /// 7.2.4 itself can abort on this (its GC may run a finalizer while it builds KEYS outside lua_pcall), which took the
    /// shared oracle down in CI.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Finalizers_CallingRedis_RunInsideScriptsOnly(int threads)
    {
        ServerProcess server = servers.TargetWithThreads(threads).Server;
        using RespConnection c = server.Connect();
        string count = "{gc}count" + threads;
        c.Call("DEL", count);
        string proxies = "for i = 1, 5000 do local p = newproxy(true) getmetatable(p).__gc = function() redis.call('incr', '" + count + "') end end return 1";
        var many = new string[3 + 200];
        many[0] = "EVAL";
        many[1] = "return #KEYS";
        many[2] = "200";
        for (int i = 0; i < 200; i++) many[3 + i] = "{gc}k" + i;
        for (int round = 0; round < 20; round++)
        {
            Assert.Equal(":1\r\n", c.CallText("EVAL", proxies, "0"));
            for (int j = 0; j < 10; j++) Assert.Equal(":200\r\n", c.CallText(many));
        }
        // Whatever finalizers are still pending run with the next collections: a script that collects fully.
        Assert.Equal("$6\r\n100000\r\n",
            c.CallText("EVAL", "collectgarbage('collect') collectgarbage('collect') return redis.call('get', KEYS[1])", "1", count));
        server.AssertAlive();
    }

    [Fact]
    public void LuaMemory_IsBounded_AndCountedInUsedMemory()
    {
        using var server = ServerProcess.Start(ServerKind.Target, 1, "--fastkv-lua-max-memory", "16mb");
        using var c = server.Connect();
        long before = Info(c, "used_memory");
        Assert.Equal(":100000\r\n", c.CallText("EVAL", "local t = {} for i = 1, 100000 do t[i] = i end return #t", "0"));
        long lua = Info(c, "used_memory_lua");
        Assert.True(lua > 1_000_000, $"used_memory_lua {lua} counts the table");
        Assert.True(Info(c, "used_memory") >= before + lua / 2, "used_memory counts the Lua state");
        // Past the bound: Lua's memory error, for the script alone.
        string big = c.CallText("EVAL", "local s = string.rep('x', 64 * 1024 * 1024) return #s", "0");
        Assert.Matches("^-ERR Error running script [0-9a-f]{40}, not enough memory\r\n$", big);
        Assert.Equal("*2\r\n$5\r\nfalse\r\n$17\r\nnot enough memory\r\n",
            c.CallText("EVAL", "local ok, e = pcall(function() local t = {} for i = 1, 1e8 do t[i] = i end end) return {tostring(ok), e}", "0"));
        Assert.Equal("$2\r\nok\r\n", c.CallText("EVAL", "return 'ok'", "0"));
        Assert.True(Info(c, "used_memory_lua") <= 16 * 1024 * 1024, "the state stays within its bound");
        server.AssertAlive();
    }

    /// <summary>
    /// The collector keeps its pace across the stops around every script and redis.call (LuaApi.StopCollector keeps
    /// the threshold): garbage made inside one long script, and by many short scripts that each call redis, is
    /// collected, so the state stays small without a bound to force it.
    /// </summary>
    [Fact]
    public void LuaGarbage_IsCollected_WithinAndAcrossScripts()
    {
        using var server = ServerProcess.Start(ServerKind.Target, 1);
        using var c = server.Connect();
        c.CallText("EVAL", "collectgarbage('collect') return 1", "0");
        long start = Info(c, "used_memory_lua");
        // One script: 200k strings of 1 KB (200 MB in all), each garbage at once, with a redis.call every 100.
        Assert.Equal(":200000\r\n", c.CallText("EVAL",
            "local n = 0 for i = 1, 200000 do local s = string.rep('x', 1000) .. i n = n + 1 "
            + "if i % 100 == 0 then redis.call('incr', KEYS[1]) end end return n", "1", "gc:calls"));
        long afterLong = Info(c, "used_memory_lua");
        Assert.True(afterLong < start + 32 * 1024 * 1024, $"used_memory_lua {afterLong} (from {start}) after 200 MB of garbage in one script");
        // Many scripts: each makes 20 KB of garbage around two redis.calls.
        for (int i = 0; i < 3000; i++)
            c.SendCommand("EVAL", "local t = {} for j = 1, 20 do t[j] = string.rep('y', 1000) .. j end "
                + "redis.call('incr', KEYS[1]) return redis.call('get', KEYS[1])", "1", "gc:n");
        for (int i = 0; i < 3000; i++) c.ReadReply();
        Assert.Equal("$4\r\n3000\r\n", c.CallText("GET", "gc:n"));
        long afterMany = Info(c, "used_memory_lua");
        Assert.True(afterMany < start + 32 * 1024 * 1024, $"used_memory_lua {afterMany} (from {start}) after 3000 scripts of 20 KB of garbage each");
        server.AssertAlive();
    }

    static long Info(RespConnection c, string field)
    {
        Match m = Regex.Match(c.CallText("INFO", "memory"), "^" + field + ":(\\d+)\r$", RegexOptions.Multiline);
        Assert.True(m.Success, field + " in INFO memory");
        return long.Parse(m.Groups[1].Value);
    }
}
