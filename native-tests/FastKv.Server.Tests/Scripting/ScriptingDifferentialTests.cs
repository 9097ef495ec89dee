using System.Collections.Generic;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Scripting;

/// <summary>
/// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT against Redis 7.2.4, byte for byte, over RESP2 and RESP3, at
/// --threads 1 and 4: return-value conversions (Lua to RESP and redis.call's replies to Lua), the error formats
/// (compile errors, runtime errors with "script: sha, on @user_script:N.", redis.call's raised errors, redis.pcall's
/// returned ones, global protection), shebang flags, numkeys checks, NOSCRIPT, SELECT inside a script, and the
/// AOF-relevant part, writes through redis.call. Every key a script touches is declared and the keys of one script
/// share a hash tag, so at --threads 4 each script runs on the shard that owns them.
/// </summary>
public class ScriptingDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int, int>> Cases()
    {
        foreach (int threads in new[] { 1, 4 })
            foreach (int protocol in new[] { 2, 3 })
                yield return new(threads, protocol);
    }

    static readonly string[][] Steps =
    {
        new[] { "EVAL", "return 1", "0" },
        new[] { "EVAL", "return 'text'", "0" },
        new[] { "EVAL", "return {1, 2.5, 'a', {err = 'e'}, {ok = 'fine'}, {1, {2, {3}}}}", "0" },
        new[] { "EVAL", "return {1, nil, 3}", "0" },
        new[] { "EVAL", "return 3.99", "0" },
        new[] { "EVAL", "return -3.99", "0" },
        new[] { "EVAL", "return {2^63, 1e300, 0/0, -1e300, 2^62}", "0" },
        new[] { "EVAL", "return {true, false}", "0" },
        new[] { "EVAL", "return true", "0" },
        new[] { "EVAL", "return false", "0" },
        new[] { "EVAL", "return nil", "0" },
        new[] { "EVAL", "return", "0" },
        new[] { "EVAL", "return redis.error_reply('My err')", "0" },
        new[] { "EVAL", "return redis.error_reply('-CUSTOM with dash')", "0" },
        new[] { "EVAL", "return redis.status_reply('FINE')", "0" },
        // redis.error_reply gives its text a code (ERR unless it starts with "-CODE "), a returned {err = ...} is sent as it is.
        new[] { "EVAL", "return redis.error_reply('101')", "0" },
        new[] { "EVAL", "return redis.error_reply('')", "0" },
        new[] { "EVAL", "return redis.error_reply('-')", "0" },
        new[] { "EVAL", "return redis.error_reply('\r\nX\r\n')", "0" },
        new[] { "EVAL", "return redis.error_reply('-E \r\nX\r\n')", "0" },
        new[] { "EVAL", "return redis.error_reply('My err').err", "0" },
        new[] { "EVAL", "error(redis.error_reply('101'))", "0" },
        new[] { "EVAL", "return redis.error_reply(12)", "0" },
        new[] { "EVAL", "return redis.error_reply('a', 'b')", "0" },
        new[] { "EVAL", "return redis.status_reply(12)", "0" },
        new[] { "EVAL", "local ok, e = pcall(redis.error_reply, 12) return {tostring(ok), type(e)}", "0" },
        new[] { "EVAL", "return {err = '-DASH with dash'}", "0" },
        new[] { "EVAL", "error({err = '-X y'})", "0" },
        // Error and status texts are C strings to Redis: they end at a NUL.
        new[] { "EVAL", "return redis.status_reply('a\\0b')", "0" },
        new[] { "EVAL", "return {err = 'a\\0b'}", "0" },
        new[] { "EVAL", "error({err = 'a\\0b'})", "0" },
        new[] { "EVAL", "error('a\\0b')", "0" },
        new[] { "EVAL", "return redis.error_reply('a\\0b c')", "0" },
        // A command's error comes to Lua with ignore_error_stats_update set after err (cjson.encode lists both).
        new[] { "EVAL", "redis.call('set', KEYS[1], 'abc') return cjson.encode(redis.pcall('incr', KEYS[1]))", "1", "{s}cj" },
        new[] { "EVAL", "redis.setresp(3) redis.call('set', KEYS[1], 'abc') return cjson.encode(redis.pcall('incr', KEYS[1]))", "1", "{s}cj" },
        // A number passed to redis.call is fpconv_dtoa's text, with the sign of a NaN (x86's 0/0 is negative).
        new[] { "EVAL", "redis.call('set', KEYS[1], 0/0) redis.call('set', KEYS[2], -(0/0)) redis.call('rpush', KEYS[3], -(1/0), 0/0) return {redis.call('get', KEYS[1]), redis.call('get', KEYS[2]), redis.call('lrange', KEYS[3], 0, -1)}", "3", "{s}nan1", "{s}nan2", "{s}nanl" },
        new[] { "EVAL", "return {double = 0/0}", "0" },
        // An attribute in a command's RESP3 reply is dropped; the reply after it reaches the script.
        new[] { "EVAL", "redis.setresp(3) return redis.call('debug', 'protocol', 'attrib')", "0" },
        new[] { "DEBUG", "SET-DISABLE-DENY-SCRIPTS", "1" },
        new[] { "EVAL", "redis.setresp(3) return redis.call('debug', 'protocol', 'attrib')", "0" },
        new[] { "EVAL", "redis.setresp(3) return {redis.call('debug', 'protocol', 'attrib'), redis.call('debug', 'protocol', 'map')}", "0" },
        new[] { "DEBUG", "SET-DISABLE-DENY-SCRIPTS", "0" },
        // SORT BY a constant over a set sorts alphabetically in a script (a set has no order to keep); a list keeps its own.
        new[] { "EVAL", "redis.call('sadd', KEYS[1], 'b', 'aa', 'c', 'a', '10', '9', 'azz') return redis.call('sort', KEYS[1], 'by', 'nosort')", "1", "{s}sortset" },
        new[] { "EVAL", "return redis.call('sort', KEYS[1], 'by', 'nosort', 'desc', 'limit', '1', '3')", "1", "{s}sortset" },
        new[] { "EVAL", "return redis.call('sort_ro', KEYS[1], 'by', 'nosort')", "1", "{s}sortset" },
        new[] { "EVAL", "redis.call('rpush', KEYS[1], 'b', 'aa', 'c') return redis.call('sort', KEYS[1], 'by', 'nosort')", "1", "{s}sortlist" },
        new[] { "EVAL", "return {err = 'multi\r\nline'}", "0" },
        new[] { "EVAL", "return {map = {a = 1}}", "0" },
        new[] { "EVAL", "return {set = {a = true}}", "0" },
        new[] { "EVAL", "return {double = 3.5}", "0" },
        new[] { "EVAL", "return {big_number = '123456789012345678901234567890'}", "0" },
        new[] { "EVAL", "return {big_number = '123\\r\\n45\\n6'}", "0" },
        new[] { "EVAL", "local t = {} t[1] = t return t", "0" },
        new[] { "EVAL", "return KEYS", "2", "{s}a", "{s}b", "x", "y" },
        new[] { "EVAL", "return ARGV", "1", "{s}a", "x", "y" },
        new[] { "EVAL", "return #KEYS + #ARGV", "0" },
        new[] { "EVAL", "return redis.call('SET', KEYS[1], ARGV[1])", "1", "{s}k", "v" },
        new[] { "EVAL", "return redis.call('get', KEYS[1])", "1", "{s}k" },
        new[] { "EVAL", "return redis.call('get', KEYS[1])", "1", "{s}missing" },
        new[] { "EVAL", "return redis.call('get', KEYS[1]) == false", "1", "{s}missing" },
        new[] { "EVAL", "return redis.call('incr', KEYS[1])", "1", "{s}k" },
        new[] { "EVAL", "return redis.call('lpush', KEYS[1], 1)", "1", "{s}k" },
        new[] { "EVAL", "return redis.pcall('lpush', KEYS[1], 1)", "1", "{s}k" },
        new[] { "EVAL", "local r = redis.pcall('lpush', KEYS[1], 1) return r['err']", "1", "{s}k" },
        new[] { "EVAL", "return redis.call('set', KEYS[1], 3.5)", "1", "{s}n" },
        new[] { "EVAL", "return redis.call('get', KEYS[1])", "1", "{s}n" },
        new[] { "EVAL", "return redis.call('set', KEYS[1], 1e20)", "1", "{s}n" },
        new[] { "EVAL", "return redis.call('get', KEYS[1])", "1", "{s}n" },
        new[] { "EVAL", "return redis.call('set', KEYS[1], 0.1)", "1", "{s}n" },
        new[] { "EVAL", "return redis.call('get', KEYS[1])", "1", "{s}n" },
        new[] { "EVAL", "return redis.call('hset', KEYS[1], 'a', 1, 'b', 2)", "1", "{s}h" },
        new[] { "EVAL", "return redis.call('hgetall', KEYS[1])", "1", "{s}h" },
        new[] { "EVAL", "redis.setresp(3) return redis.call('hgetall', KEYS[1])", "1", "{s}h" },
        new[] { "EVAL", "redis.setresp(3) local r = redis.call('hgetall', KEYS[1]) return r['map']['a']", "1", "{s}h" },
        new[] { "EVAL", "redis.setresp(3) return redis.call('get', KEYS[1])", "1", "{s}missing" },
        new[] { "EVAL", "redis.setresp(3) return redis.call('get', KEYS[1]) == nil", "1", "{s}missing" },
        new[] { "EVAL", "return redis.setresp(4)", "0" },
        // RESP3 replies become tables grown key by key, as Redis builds them: # over an array with nulls, pairs() over a map.
        new[] { "EVAL", "redis.setresp(3) redis.call('set', KEYS[2], 'x') local t = redis.call('mget', KEYS[1], KEYS[2], KEYS[1], KEYS[1], KEYS[2]) return {#t, t[2], t[5]}", "2", "{s}nokey", "{s}mid" },
        new[] { "EVAL", "redis.setresp(3) redis.call('hset', KEYS[1], 'alpha', 1, 'beta', 2, 'gamma', 3, 'delta', 4, 'eps', 5, 'zeta', 6, 'eta', 7) local o = {} for k in pairs(redis.call('hgetall', KEYS[1]).map) do o[#o + 1] = k end return o", "1", "{s}h7" },
        // pairs() order over string keys follows Lua's string hash: the same as Redis's below 32 bytes (Lua 5.1 hashes
        // every byte there too); from 32 bytes stock Lua samples the bytes and Redis does not (ScriptEngine's summary).
        new[] { "EVAL", "local t = {} for i = 1, 12 do t[string.rep('x', 29) .. (i % 10) .. (i > 9 and 'y' or 'z')] = i end local r = {} for k, v in pairs(t) do r[#r + 1] = v end return r", "0" },
        new[] { "EVAL", "local t = {} for i = 1, 9 do t[i .. string.rep('x', 30)] = i end local r = {} for k, v in pairs(t) do r[#r + 1] = v end return r", "0" },
        new[] { "EVAL", "redis.setresp(3) return redis.call('hgetall', KEYS[1])", "1", "{s}h7" },
        new[] { "EVAL", "return redis.call('ping')", "0" },
        new[] { "EVAL", "return type(redis.call('ping'))", "0" },
        new[] { "EVAL", "return redis.call('ping')['ok']", "0" },
        new[] { "EVAL", "return redis.call('zadd', KEYS[1], 1.5, 'm')", "1", "{s}z" },
        new[] { "EVAL", "return redis.call('zscore', KEYS[1], 'm')", "1", "{s}z" },
        new[] { "EVAL", "return redis.call('rpush', KEYS[1], 'a', 'b', 'c')", "1", "{s}l" },
        new[] { "EVAL", "return redis.call('lrange', KEYS[1], 0, -1)", "1", "{s}l" },
        new[] { "EVAL", "return redis.call('blpop', KEYS[1], 0)", "1", "{s}empty" },
        new[] { "EVAL", "return {redis.call('select', 2), redis.call('set', KEYS[1], 'x'), redis.call('select', 0), redis.call('get', KEYS[1])}", "1", "{s}in2" },
        new[] { "GET", "{s}in2" },
        new[] { "EVAL", "return x", "0" },
        new[] { "EVAL", "x = 5", "0" },
        new[] { "EVAL", "local f = function() return y end return f()", "0" },
        new[] { "EVAL", "return redis.call('nosuch')", "0" },
        new[] { "EVAL", "return redis.call('get')", "0" },
        new[] { "EVAL", "return redis.call()", "0" },
        new[] { "EVAL", "return redis.call({})", "0" },
        new[] { "EVAL", "return redis.pcall('get', 'a', 'b')", "0" },
        new[] { "EVAL", "return redis.pcall('nosuch')", "0" },
        new[] { "EVAL", "return redis.call('subscribe', 'x')", "0" },
        new[] { "EVAL", "return redis.call('eval', 'return 1', 0)", "0" },
        new[] { "EVAL", "return 1 +", "0" },
        new[] { "EVAL", "error('boom')", "0" },
        new[] { "EVAL", "error({err = 'TABLE raised'})", "0" },
        new[] { "EVAL", "\nlocal a = 1\n\nerror('third line')", "0" },
        new[] { "EVAL", "return 1", "-1" },
        new[] { "EVAL", "return 1", "2", "a" },
        new[] { "EVAL", "return 1", "x" },
        new[] { "EVALSHA", "0000000000000000000000000000000000000000", "0" },
        new[] { "EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0" },
        new[] { "EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0" },
        new[] { "EVAL_RO", "return redis.call('set', KEYS[1], 1)", "1", "{s}ro" },
        new[] { "EVAL_RO", "return redis.call('get', KEYS[1])", "1", "{s}k" },
        new[] { "EVAL", "#!lua\nreturn error('x')", "0" },
        new[] { "EVAL", "#!lua flags=no-writes\nreturn redis.call('set', KEYS[1], 1)", "1", "{s}ro" },
        new[] { "EVAL", "#!lua flags=no-writes,allow-oom\nreturn redis.call('get', KEYS[1])", "1", "{s}k" },
        // A read-only script may not replicate either: PUBLISH (may-replicate) is refused there, allowed elsewhere.
        new[] { "EVAL_RO", "return redis.call('publish', 'ch', 'msg')", "0" },
        new[] { "EVAL", "#!lua flags=no-writes\nreturn redis.call('publish', 'ch', 'msg')", "0" },
        new[] { "EVAL", "return redis.call('publish', 'ch', 'msg')", "0" },
        new[] { "EVAL_RO", "return redis.call('pfcount', KEYS[1])", "1", "{s}hll" },
        new[] { "EVAL", "#!lua flags=bogus\nreturn 1", "0" },
        new[] { "EVAL", "#!lua x=1\nreturn 1", "0" },
        new[] { "EVAL", "#!python\nreturn 1", "0" },
        new[] { "EVAL", "#!lua", "0" },
        new[] { "SCRIPT", "LOAD", "return 'loaded'" },
        new[] { "EVALSHA", "6d4dba8bc4b96b4b40cdfaaf4c2ef1ae45b7d8c5", "0" },
        new[] { "EVALSHA_RO", "6d4dba8bc4b96b4b40cdfaaf4c2ef1ae45b7d8c5", "0" },
        new[] { "SCRIPT", "EXISTS", "6d4dba8bc4b96b4b40cdfaaf4c2ef1ae45b7d8c5", "0000000000000000000000000000000000000000" },
        new[] { "SCRIPT", "LOAD", "return 1 +" },
        new[] { "SCRIPT", "KILL" },
        new[] { "SCRIPT", "FLUSH", "BOGUS" },
        new[] { "SCRIPT", "NOSUCH" },
        new[] { "SCRIPT", "HELP" },
        new[] { "SCRIPT", "FLUSH" },
        new[] { "SCRIPT", "EXISTS", "6d4dba8bc4b96b4b40cdfaaf4c2ef1ae45b7d8c5" },
        new[] { "EVALSHA", "6d4dba8bc4b96b4b40cdfaaf4c2ef1ae45b7d8c5", "0" },
        new[] { "EVAL", "return redis.sha1hex('')", "0" },
        new[] { "EVAL", "return redis.sha1hex('abc')", "0" },
        new[] { "EVAL", "return redis.sha1hex(12)", "0" },
        new[] { "EVAL", "return redis.REDIS_VERSION", "0" },
        new[] { "EVAL", "return redis.REDIS_VERSION_NUM", "0" },
        new[] { "EVAL", "return {redis.LOG_WARNING, redis.REPL_ALL, redis.REPL_NONE}", "0" },
        new[] { "EVAL", "return redis.log(redis.LOG_DEBUG, 'quiet')", "0" },
        new[] { "EVAL", "return redis.log(99, 'bad level')", "0" },
        new[] { "EVAL", "return string.format('%d %s %5.2f', 3, 'x', 1.5)", "0" },
        new[] { "EVAL", "return table.concat({1, 2, 3}, ',')", "0" },
        new[] { "EVAL", "return tostring(1/3)", "0" },
        new[] { "EVAL", "return tonumber('0x10')", "0" },
        new[] { "EVAL", "return {type(os), type(io), type(print), type(debug), type(package), type(loadfile), type(dofile)}", "0" },
        new[] { "EVAL", "return {pcall(function() return os end)}", "0" },
        new[] { "EVAL", "return string.rep('x', 3)", "0" },
        new[] { "EVAL", "local ok, e = pcall(redis.call, 'incr', KEYS[1]) return {tostring(ok), e['err']}", "1", "{s}l" },
        new[] { "EVAL", "return unpack({1, 2, 3})", "0" },
        new[] { "SET", "{s}str", "abc" },
        new[] { "EVAL", "local ok, e = pcall(redis.call, 'incr', KEYS[1]) return {tostring(ok), type(e), e}", "1", "{s}str" },
        new[] { "EVAL", "local ok, e = pcall(error, {err = 'x'}) return {tostring(ok), e}", "0" },
        new[] { "EVAL", "local ok, e = pcall(error, 'plain') return {tostring(ok), e}", "0" },
        new[] { "EVAL", "local ok, e = pcall(redis.setresp, 4) return {tostring(ok), e}", "0" },
        new[] { "EVAL", "return {pcall(function() return 1, nil, 3 end)}", "0" },
        new[] { "EVAL", "return select('#', pcall(function() return 1, nil, 3 end))", "0" },
        new[] { "EVAL", "return redis.sha1hex()", "0" },
        new[] { "EVAL", "return {pcall(redis.sha1hex)}", "0" },
        new[] { "EVAL", "local ok, e = xpcall(function() error({err = 'y'}) end, function(e) return e end) return {tostring(ok), type(e)}", "0" },
        new[] { "EVAL", "return pcall()", "0" },
        // A body that does not compile is not cached.
        new[] { "EVAL", "return (", "0" },
        new[] { "SCRIPT", "EXISTS", "728acb63e2aaef0ee859ece5db586bff5d800d1e" },
        new[] { "DBSIZE" },
        new[] { "FLUSHALL" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ScriptsAndReplies_MatchRedis(int threads, int protocol)
    {
        ServerProcess oracle = servers.Oracle.Server;
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        using var session = new DualSession(oracle, target) { Context = $"--threads {threads}, RESP{protocol}" };
        session.Check("FLUSHALL");
        session.Check("SCRIPT", "FLUSH");
        if (protocol == 3) session.Check("HELLO", "3");
        foreach (string[] step in Steps) session.Check(step);
        target.AssertAlive();
    }
}
