using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Scripting;

/// <summary>
/// Redis 7.2's read-only Lua environment against Redis 7.2.4, byte for byte: the globals and every library table
/// (redis, bit, cjson, cmsgpack, struct, string, math, table, coroutine) refuse assignment with "user_script:1: Attempt
/// to modify a readonly table", rawset and setmetatable refuse without a position, KEYS and ARGV stay writable tables,
/// pairs, next, rawget, table.foreach and getmetatable see the tables as they are (the globals' metatable read-only too),
/// table.insert into one is refused after its argument checks, and a refused change does not persist into the next script (it
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
        // Raw reads see the tables as they are; raw writes by library functions are refused as Redis refuses them.
        "return type(rawget(string, 'format'))",
        "return type(rawget(redis, 'call'))",
        "return type(rawget(_G, 'KEYS'))",
        "return rawequal(rawget(_G, '_G'), _G)",
        "return rawequal(rawget(_G, 'string'), string)",
        "local f = rawget return f(cjson, 'encode') ~= nil",
        "return {pcall(rawget)}",
        "return {pcall(rawget, string)}",
        "rawget(1, 2)",
        "local n = 0 for _, t in ipairs({_G, redis, string, table, math, cjson, bit, struct, cmsgpack, coroutine, KEYS, ARGV}) do n = n * 7 + #t end return n",
        "local n = 0 for _, t in ipairs({_G, redis, string, table, math, cjson, bit, struct, cmsgpack, coroutine}) do for _ in ipairs(t) do n = n + 1 end end return n",
        "local r = {} for _, t in ipairs({_G, redis, string, table, math, cjson, bit, struct, cmsgpack, coroutine}) do local n = 0 table.foreach(t, function() n = n + 1 end) r[#r + 1] = n end return r",
        "local r = {} for _, t in ipairs({_G, redis, string, table, math, cjson, bit, struct, cmsgpack, coroutine}) do local n, k = 0, next(t) while k ~= nil do n = n + 1 k = next(t, k) end r[#r + 1] = n end return r",
        "return table.foreach(string, function(k, v) if k == 'len' then return 5 end end)",
        "table.foreach(string)",
        "table.foreach(nil)",
        "return {select('#', unpack(string)), table.getn(math), table.maxn(bit), table.concat(table), table.remove(redis), table.remove(cjson, 1)}",
        "table.sort(string)",
        "table.insert(string, 1)",
        "table.insert(_G, 1, 2)",
        "local f = table.insert f(redis, 'x')",
        "table.insert(string)",
        "table.insert(string, 'a', 1)",
        "table.insert(string, 1, 2, 3)",
        "table.insert(nil, 1)",
        "return {pcall(table.insert, cmsgpack, 1)}",
        "return {select('#', unpack(cmsgpack)), #struct}",
        "local t = {} table.insert(t, 5) table.insert(t, 1, 4) return t",
        "next(string, 'nosuch')",
        "local f = next f(nil)",
        "return {pcall(next, {}, 'x')}",
        // The globals' metatable is read-only too, and getmetatable gives the same table each time.
        "return tostring(getmetatable(_G).__newindex)",
        "getmetatable(_G).__index = nil",
        "rawset(getmetatable(_G), 'x', 1)",
        "setmetatable(getmetatable(_G), nil)",
        "local n = 0 for k in pairs(getmetatable(_G)) do n = n + 1 end return n",
        "return rawequal(getmetatable(_G), getmetatable(_G))",
        "local t = setmetatable({}, getmetatable(_G)) return t.x",
        "local t = setmetatable({}, getmetatable(_G)) return rawequal(getmetatable(t), getmetatable(_G))",
        "return x",
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
