using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using FastKv.Server.Tests.Atomicity;

namespace FastKv.Server.Tests.Scripting;

/// <summary>
/// Seeded random Lua scripts for differential runs (issue 13): each a few statements of redis.call / redis.pcall over
/// the commands FastKv implements (strings, counters, hashes, lists, sets, sorted sets, keys, relative expiry, MGET /
/// MSET / DEL / EXISTS over several keys), arguments from KEYS, ARGV, literals, numbers (negative, fractional, huge)
/// and the replies of earlier calls, plus tostring / tonumber / type / # / table building, pcall / error /
/// redis.error_reply / redis.status_reply, and a return value of every kind Lua can hand back (RESP3 map / set /
/// double / big_number included).
/// <para>
/// Keys: <see cref="Keys"/>, plain names spread over every shard of a 4-thread server and one hash-tagged group. A
/// script declares some of them and reaches others through ARGV or literals, as job-queue scripts do.
/// </para>
/// What keeps the replies deterministic: no SPOP / SRANDMEMBER / RANDOMKEY / TIME / INFO / OBJECT / math.random (Redis 7.2
/// does not reseed it per script); expiries are long
/// (100 s and more) and a TTL read inside a script is folded to its sign; collections stay small (listpack / intset
/// encodings, whose order both servers share); no pairs() over a Lua table; tostring of a table is never taken.
/// </summary>
public sealed class RandomScriptGenerator
{
    /// <summary>One generated script: its text, declared keys and ARGV.</summary>
    public sealed record Script(string Source, string[] Keys, string[] Argv)
    {
        public string[] EvalCommand(string verb) => [verb, Source, Keys.Length.ToString(CultureInfo.InvariantCulture), .. Keys, .. Argv];

        public string[] EvalShaCommand() => ["EVALSHA", Sha1Hex(Source), Keys.Length.ToString(CultureInfo.InvariantCulture), .. Keys, .. Argv];

        public override string ToString() =>
            $"keys [{string.Join(", ", Keys)}] argv [{string.Join(", ", Argv)}]\n---- script ----\n{Source}\n----------------";
    }

    /// <summary>The keyspace the scripts touch: spread over the shards, and one hash-tagged group.</summary>
    public static readonly string[] Keys = [.. MultiKeyAtomicityTests.SpreadKeys("rs:", 8), "{rt}1", "{rt}2", "{rt}3"];

    static readonly string[] s_members = ["a", "b", "c", "1", "2", "-3", "10", "x y", "", "4.5"];
    static readonly string[] s_values = ["v", "0", "1", "-1", "42", "3.5", "-0.25", "abc", "", "9223372036854775807", "1e3", "x y"];
    static readonly string[] s_numbers =
    [
        "0", "1", "-1", "7", "-42", "2.5", "-0.5", "0.1", "1/3", "1e20", "-1e20", "2^53", "2^63", "1e300", "123456789012",
        "3.0", "-0.0", "100", "1/0", "-(1/0)", "0/0", "2^31", "-2^63", "1e-5", "12345.678",
    ];

    readonly Random _rng;
    readonly StringBuilder _lua = new();
    readonly List<string> _argv = new();
    readonly List<string> _declared = new();
    readonly List<string> _vars = new();
    int _argKeys;

    public RandomScriptGenerator(int seed) => _rng = new Random(seed);

    int R(int n) => _rng.Next(n);
    bool P(double p) => _rng.NextDouble() < p;
    T Pick<T>(IReadOnlyList<T> from) => from[R(from.Count)];
    static string Q(string s) => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'") + "'";

    public Script Next()
    {
        _lua.Clear();
        _argv.Clear();
        _declared.Clear();
        _vars.Clear();
        // Declared keys first; ARGV carries some undeclared key names, then values.
        int declared = R(4);
        for (int i = 0; i < declared; i++) _declared.Add(Pick(Keys));
        _argKeys = R(3);
        for (int i = 0; i < _argKeys; i++) _argv.Add(Pick(Keys));
        int values = 1 + R(3);
        for (int i = 0; i < values; i++) _argv.Add(P(0.5) ? Pick(s_values) : Pick(s_members));

        // s(x): a string for any value, never a table's address.
        _lua.Append("local function s(x) local t = type(x) if t == 'table' then if x.err then return 'E:' .. x.err end ")
            .Append("if x.ok then return 'S:' .. x.ok end return 'T' .. #x end return tostring(x) end\n");
        if (P(0.35)) _lua.Append("redis.setresp(3)\n");
        int statements = 1 + R(6);
        for (int i = 0; i < statements; i++) Statement();
        if (P(0.9)) _lua.Append("return ").Append(ReturnValue()).Append('\n');
        return new Script(_lua.ToString(), _declared.ToArray(), _argv.ToArray());
    }

    // ---- expressions ----

    string KeyExpr()
    {
        int roll = R(10);
        if (roll < 5 && _declared.Count > 0) return $"KEYS[{1 + R(_declared.Count)}]";
        if (roll < 8 && _argKeys > 0) return $"ARGV[{1 + R(_argKeys)}]";
        return Q(Pick(Keys));
    }

    string TaggedKey() => Q(Keys[^(1 + R(3))]);

    string Number() => Pick(s_numbers);

    string VarExpr()
    {
        string v = Pick(_vars);
        return R(6) switch
        {
            0 => v,
            1 => $"s({v})",
            2 => $"(tonumber(s({v})) or 0)",
            3 => $"type({v})",
            4 => $"s({v}) .. {Q(Pick(s_members))}",
            _ => $"(type({v}) == 'table' and #{v} or -1)",
        };
    }

    string ValueExpr()
    {
        int roll = R(10);
        if (roll < 2 && _vars.Count > 0) return VarExpr();
        if (roll < 4) return Number();
        if (roll < 6 && _argv.Count > _argKeys) return $"ARGV[{1 + _argKeys + R(_argv.Count - _argKeys)}]";
        if (roll < 7) return $"tostring({Number()})";
        return Q(Pick(s_values));
    }

    string MemberExpr() => P(0.8) ? Q(Pick(s_members)) : ValueExpr();
    string IntExpr() => P(0.8) ? (R(7) - 3).ToString(CultureInfo.InvariantCulture) : Number();
    string Ttl() => P(0.7) ? Pick(new[] { "100", "1000", "5000", "'200'" }) : Pick(new[] { "-1", "0", "'x'", "2.5", "1e30" });

    /// <summary>A command and its arguments, as the comma-separated tail of a redis.call.</summary>
    string CommandArgs()
    {
        string k = KeyExpr();
        switch (R(82))
        {
            case 0: return $"'set', {k}, {ValueExpr()}";
            case 1: return $"'set', {k}, {ValueExpr()}, {Pick(new[] { "'EX', " + Ttl(), "'PX', 100000", "'NX'", "'XX'", "'GET'", "'KEEPTTL'", "'NX', 'GET'", "'EX'" })}";
            case 2: case 3: return $"'get', {k}";
            case 4: return $"'incr', {k}";
            case 5: return $"'incrby', {k}, {IntExpr()}";
            case 6: return $"'decrby', {k}, {IntExpr()}";
            case 7: return $"'incrbyfloat', {k}, {Number()}";
            case 8: return $"'append', {k}, {ValueExpr()}";
            case 9: return $"'strlen', {k}";
            case 10: return $"'getrange', {k}, {IntExpr()}, {IntExpr()}";
            case 11: return $"'setrange', {k}, {R(5)}, {ValueExpr()}";
            case 12: return $"'getdel', {k}";
            case 13: return $"'getset', {k}, {ValueExpr()}";
            case 14: return $"'setnx', {k}, {ValueExpr()}";
            case 15: return $"'mget', {k}, {KeyExpr()}, {KeyExpr()}";
            case 16: return $"'mset', {k}, {ValueExpr()}, {KeyExpr()}, {ValueExpr()}";
            case 17: return $"'del', {k}, {KeyExpr()}";
            case 18: return $"'exists', {k}, {KeyExpr()}, {KeyExpr()}";
            case 19: return $"'type', {k}";
            case 20: return $"'expire', {k}, {Ttl()}{Pick(new[] { "", "", ", 'NX'", ", 'GT'", ", 'LT'", ", 'XX'" })}";
            case 21: return $"'pexpire', {k}, 300000";
            case 22: return $"'persist', {k}";
            case 23: return $"'hset', {k}, {MemberExpr()}, {ValueExpr()}{(P(0.5) ? $", {MemberExpr()}, {ValueExpr()}" : "")}";
            case 24: return $"'hget', {k}, {MemberExpr()}";
            case 25: return $"'hdel', {k}, {MemberExpr()}, {MemberExpr()}";
            case 26: return $"'hincrby', {k}, {MemberExpr()}, {IntExpr()}";
            case 27: return $"'hincrbyfloat', {k}, {MemberExpr()}, {Number()}";
            case 28: return $"'hmget', {k}, {MemberExpr()}, {MemberExpr()}";
            case 29: return $"'hgetall', {k}";
            case 30: return $"'hlen', {k}";
            case 31: return $"'hexists', {k}, {MemberExpr()}";
            case 32: return $"'hkeys', {k}";
            case 33: return $"'lpush', {k}, {MemberExpr()}, {MemberExpr()}";
            case 34: return $"'rpush', {k}, {MemberExpr()}";
            case 35: return $"'lpop', {k}{(P(0.4) ? ", " + R(4) : "")}";
            case 36: return $"'rpop', {k}";
            case 37: return $"'lrange', {k}, {IntExpr()}, {IntExpr()}";
            case 38: return $"'llen', {k}";
            case 39: return $"'lindex', {k}, {IntExpr()}";
            case 40: return $"'lset', {k}, {IntExpr()}, {MemberExpr()}";
            case 41: return $"'lrem', {k}, {IntExpr()}, {MemberExpr()}";
            // LMOVE between keys of one shard: FastKv does not run it over keys of several shards inside a script yet.
            case 42: return $"'lmove', {TaggedKey()}, {TaggedKey()}, {Pick(new[] { "'LEFT'", "'RIGHT'" })}, {Pick(new[] { "'LEFT'", "'RIGHT'" })}";
            case 43: return $"'sadd', {k}, {MemberExpr()}, {MemberExpr()}";
            case 44: return $"'srem', {k}, {MemberExpr()}";
            case 45: return $"'sismember', {k}, {MemberExpr()}";
            case 46: return $"'smembers', {k}";
            case 47: return $"'scard', {k}";
            case 48: return $"'smismember', {k}, {MemberExpr()}, {MemberExpr()}";
            case 49: return $"'zadd', {k}, {Number()}, {MemberExpr()}";
            case 50: return $"'zadd', {k}, {Pick(new[] { "'NX'", "'XX'", "'GT'", "'CH'", "'INCR'" })}, {Number()}, {MemberExpr()}";
            case 51: return $"'zincrby', {k}, {Number()}, {MemberExpr()}";
            case 52: return $"'zscore', {k}, {MemberExpr()}";
            case 53: return $"'zrange', {k}, {IntExpr()}, {IntExpr()}{(P(0.5) ? ", 'WITHSCORES'" : "")}";
            case 54: return $"'zrangebyscore', {k}, {Pick(new[] { "'-inf'", "0", "'(1'" })}, {Pick(new[] { "'+inf'", "10", "'(2.5'" })}";
            case 55: return $"'zrem', {k}, {MemberExpr()}";
            case 56: return $"'zcard', {k}";
            case 57: return $"'zrank', {k}, {MemberExpr()}";
            case 58: return $"'zpopmin', {k}";
            // Multi-key commands other than DEL / EXISTS / TOUCH / UNLINK / MGET / MSET over keys of one shard (the hash-tagged
            // group): FastKv does not run them over keys of several shards inside a script yet.
            case 59: return $"'rename', {TaggedKey()}, {TaggedKey()}";
            case 60: return $"'copy', {TaggedKey()}, {TaggedKey()}{(P(0.5) ? ", 'REPLACE'" : "")}";
            case 61: return $"'smove', {TaggedKey()}, {TaggedKey()}, {MemberExpr()}";
            case 62: return $"'{Pick(new[] { "sunionstore", "sinterstore", "sdiffstore" })}', {TaggedKey()}, {TaggedKey()}, {TaggedKey()}";
            case 63: return $"'{Pick(new[] { "sinter", "sunion", "sdiff" })}', {TaggedKey()}, {TaggedKey()}";
            case 64: return $"'{Pick(new[] { "zunionstore", "zinterstore" })}', {TaggedKey()}, 2, {TaggedKey()}, {TaggedKey()}{(P(0.5) ? ", 'WEIGHTS', 2, 0.5" : "")}";
            case 65: return $"'msetnx', {TaggedKey()}, {ValueExpr()}, {TaggedKey()}, {ValueExpr()}";
            case 66: return $"'rpoplpush', {TaggedKey()}, {TaggedKey()}";
            case 67: return $"'getex', {k}{Pick(new[] { "", ", 'PERSIST'", ", 'EX', 500", ", 'PX', 0" })}";
            case 68: return $"'setex', {k}, {Ttl()}, {ValueExpr()}";
            case 69: return $"'hsetnx', {k}, {MemberExpr()}, {ValueExpr()}";
            case 70: return $"'hvals', {k}";
            case 71: return $"'hstrlen', {k}, {MemberExpr()}";
            case 72: return $"'linsert', {k}, {Pick(new[] { "'BEFORE'", "'AFTER'" })}, {MemberExpr()}, {MemberExpr()}";
            case 73: return $"'lpos', {k}, {MemberExpr()}{(P(0.5) ? ", 'RANK', " + IntExpr() : "")}";
            case 74: return $"'ltrim', {k}, {IntExpr()}, {IntExpr()}";
            case 75: return $"'zcount', {k}, {Pick(new[] { "'-inf'", "0", "'(1'" })}, {Pick(new[] { "'+inf'", "10", "'(2.5'" })}";
            case 76: return $"'zmscore', {k}, {MemberExpr()}, {MemberExpr()}";
            case 77: return $"'zrevrange', {k}, 0, -1, 'WITHSCORES'";
            case 78: return $"'zrange', {k}, {Pick(new[] { "'-inf'", "0" })}, {Pick(new[] { "'+inf'", "5" })}, 'BYSCORE', 'LIMIT', {R(3)}, {R(4) - 1}";
            case 79: return $"'zremrangebyrank', {k}, {IntExpr()}, {IntExpr()}";
            case 80: return $"'sintercard', 2, {TaggedKey()}, {TaggedKey()}";
            default: return $"'ttl', {k}";
        }
    }

    // ---- statements ----

    string NewVar()
    {
        string v = "v" + (_vars.Count + 1).ToString(CultureInfo.InvariantCulture);
        return v;
    }

    void Statement()
    {
        int roll = R(20);
        if (roll < 9)
        {
            string v = NewVar();
            string args = CommandArgs();
            _lua.Append($"local {v} = redis.{(P(0.3) ? "pcall" : "call")}({args})\n");
            // A TTL depends on when it is read: keep its sign only.
            if (args.StartsWith("'ttl'", StringComparison.Ordinal))
                _lua.Append($"if type({v}) == 'number' and {v} > 0 then {v} = 1 end\n");
            _vars.Add(v);
        }
        else if (roll < 11)
        {
            string v = NewVar();
            _lua.Append($"local {v} = {{pcall(redis.call, {CommandArgs()})}}\n");
            _vars.Add(v);
        }
        else if (roll < 12)
        {
            _lua.Append($"redis.call({CommandArgs()})\n");
        }
        else if (roll < 15 && _vars.Count > 0)
        {
            string v = NewVar();
            string from = Pick(_vars);
            string expr = R(10) switch
            {
                0 => $"tostring(tonumber(s({from})))",
                8 => $"cjson.encode({from})",
                9 => $"tonumber({Q(Pick(new[] { "0x10", " 12 ", "1e3", "inf", "nan", "-0", "1e400", "12abc", "" }))})",
                1 => $"(tonumber(s({from})) or 0) * {Number()} + 0.5",
                2 => $"{{{from}, {ValueExpr()}, nil, {Number()}}}",
                3 => $"{{{from}, {{{ValueExpr()}, {{{from}}}}}}}",
                4 => $"{from} == false",
                5 => $"type({from}) == 'table' and {from}[1] or {from}",
                6 => $"#s({from})",
                _ => $"s({from}) .. '|' .. s({ValueExpr()})",
            };
            _lua.Append($"local {v} = {expr}\n");
            _vars.Add(v);
        }
        else if (roll < 16)
        {
            _lua.Append($"for i = 1, {1 + R(3)} do redis.call('rpush', {KeyExpr()}, i * {Number()}) end\n");
        }
        else if (roll < 17 && _vars.Count > 0)
        {
            string from = Pick(_vars);
            _lua.Append($"if type({from}) == 'table' and {from}.err then return {Pick(new[] { "{err = " + from + ".err}", from, "'caught'", "redis.error_reply(" + from + ".err)" })} end\n");
        }
        else if (roll < 18)
        {
            string guard = _vars.Count > 0 ? $"if {Pick(_vars)} == false then " : "if #ARGV > 9 then ";
            _lua.Append(guard).Append(R(4) switch
            {
                0 => "error('boom')",
                1 => "error({err = 'MYERR raised from a table'})",
                2 => "return redis.error_reply('CUSTOM error')",
                _ => "return redis.status_reply('EARLY')",
            }).Append(" end\n");
        }
        else if (roll < 19)
        {
            _lua.Append(R(3) switch
            {
                0 => "local ok = pcall(error, 'inner') redis.call('ping')\n",
                1 => "local ok, e = pcall(redis.call, 'nosuchcommand') if not ok then redis.call('set', KEYS[1] or 'rs:x', s(e)) end\n",
                _ => $"local t = {{}} for i = 1, {R(4)} do t[#t + 1] = i .. ':' .. s({ValueExpr()}) end redis.call('set', {KeyExpr()}, table.concat(t, ','))\n",
            });
        }
        else
        {
            _lua.Append($"redis.{(P(0.5) ? "pcall" : "call")}('{Pick(new[] { "del", "unlink", "exists", "touch" })}', {KeyExpr()}, {KeyExpr()}, {KeyExpr()})\n");
        }
    }

    string ReturnValue()
    {
        string Any() => _vars.Count > 0 && P(0.6) ? Pick(_vars) : ValueExpr();
        return R(18) switch
        {
            0 => "nil",
            1 => "false",
            2 => "true",
            3 => Number(),
            4 => Q(Pick(s_values)),
            5 => $"{{{Any()}, {Number()}, {Any()}, nil, {Any()}}}",
            6 => $"{{{Any()}, {{{Any()}, {{{Number()}, false, true}}}}}}",
            7 => $"{{err = {Q(Pick(new[] { "plain", "-DASH with dash", "CODE with a code", "" }))}}}",
            8 => $"{{ok = {Q(Pick(new[] { "FINE", "", "two words" }))}}}",
            9 => $"redis.status_reply(s({Any()}))",
            10 => $"redis.error_reply(s({Any()}))",
            11 => $"{{map = {{a = {Any()}, [{Q(Pick(s_members))}] = {Number()}}}}}",
            12 => $"{{set = {{[{Q(Pick(s_members))}] = true, [s({Any()})] = true}}}}",
            13 => $"{{double = {Pick(new[] { Number(), "tonumber(s(" + Any() + "))", "'3.25'" })}}}",
            14 => $"{{big_number = {Pick(new[] { "'123456789012345678901234567890'", "'-12'", "s(" + Any() + ")" })}}}",
            15 => $"s({Any()})",
            _ => Any(),
        };
    }

    public static string Sha1Hex(string s) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(Encoding.UTF8.GetBytes(s)));
}
