using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Scripting;

/// <summary>
/// Redis 7.2's read-only Lua environment against Redis 7.2.4, byte for byte: the globals and every library table
/// (redis, bit, cjson, cmsgpack, struct, string, math, table, coroutine) refuse assignment with "user_script:1: Attempt
/// to modify a readonly table", rawset and setmetatable refuse without a position, KEYS and ARGV stay writable tables,
/// pairs and getmetatable see the tables as they are, and a refused change does not persist into the next script (it
/// used to: `bit = nil` removed bit for good). Steps that would change shared state on the oracle are left out.
/// </summary>
public class ReadOnlyTablesDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    static readonly string[] Scripts =
    {
        "redis.call = nil",
        "redis = nil",
        "bit = nil",
        "return type(bit)",
        "bit.band = nil",
        "return bit.band(7, 3)",
        "cjson.encode = 1",
        "cjson = 1",
        "return cjson.encode({1})",
        "cmsgpack.pack = 1",
        "struct.pack = 1",
        "string.foo = 1",
        "string.len = nil",
        "return ('abc'):len()",
        "return string.len('abcd')",
        "math.random = 1",
        "math.pi = 3",
        "return math.floor(math.pi * 100)",
        "table.insert = nil",
        "coroutine.x = 1",
        "os.time = 1",
        "_G.x = 1",
        "_G.bit = nil",
        "x = 1",
        "function foo() end",
        "local function foo() end return 1",
        "_VERSION = 'x'",
        "__redis__err__handler = nil",
        "return type(__redis__err__handler)",
        "local r = redis r.call = 1",
        "redis.REDIS_VERSION = 'x'",
        "return redis.REDIS_VERSION",
        "rawset(_G, 'x', 1)",
        "rawset(redis, 'x', 1)",
        "rawset(string, 'x', 1)",
        "rawset(redis, 'x')",
        "rawset(1, 'x', 1)",
        "rawset()",
        "local t = {} rawset(t, 'x', 5) return t.x",
        "setmetatable(_G, nil)",
        "setmetatable(redis, nil)",
        "setmetatable(redis, 5)",
        "setmetatable(1, nil)",
        "local t = setmetatable({}, {__index = function() return 7 end}) return t.y",
        "return type(getmetatable(redis))",
        "return type(getmetatable(_G))",
        "return type(getmetatable('').__index)",
        "getmetatable()",
        "getfenv(0).x = 1",
        "getfenv(1).x = 1",
        "getfenv().x = 1",
        "return rawequal(_G, getfenv(0))",
        "return rawequal(_G, getfenv(1))",
        "local f = loadstring('y = 1') f()",
        "local f = loadstring('return type(redis)') return f()",
        "KEYS = 1",
        "ARGV = {}",
        "ARGV[1] = 'z' return ARGV[1]",
        "KEYS[1] = 'z' return KEYS",
        "local t = {} t.x = 1 return t.x",
        "local n = 0 for k, v in pairs(redis) do n = n + 1 end return n",
        "local n = 0 for k, v in pairs(string) do n = n + 1 end return n",
        "local n = 0 for k, v in pairs(math) do n = n + 1 end return n",
        "local n = 0 for k, v in pairs(_G) do n = n + 1 end return n",
        "local n = 0 for k, v in pairs({1, 2, a = 3}) do n = n + 1 end return n",
        "return next(redis) ~= nil",
        "return next({})",
        "pairs(nil)",
        "pairs()",
        "next(5)",
        "return pcall(function() redis.call = nil end)",
        "local ok, e = pcall(function() bit = nil end) return e",
        "return type(redis.call)",
    };

    [Theory]
    [MemberData(nameof(ScriptingDifferentialTests.Cases), MemberType = typeof(ScriptingDifferentialTests))]
    public void ReadOnlyTables_MatchRedis(int threads, int protocol)
    {
        ServerProcess oracle = servers.Oracle.Server;
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        using var session = new DualSession(oracle, target) { Context = $"--threads {threads}, RESP{protocol}" };
        session.Check("SCRIPT", "FLUSH");
        if (protocol == 3) session.Check("HELLO", "3");
        foreach (string script in Scripts) session.Check("EVAL", script, "1", "{ro}k", "a1");
        // Each refused change must not have happened: the same checks again, against a cached script this time.
        foreach (string script in Scripts) session.Check("EVAL", script, "1", "{ro}k", "a1");
        target.AssertAlive();
    }
}
