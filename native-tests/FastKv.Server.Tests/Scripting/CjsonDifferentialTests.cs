using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Scripting;

/// <summary>
/// The <c>cjson</c> library against Redis 7.2.4, byte for byte, over RESP2 and RESP3, at --threads 1 and 4: encoding
/// (%.14g numbers, escapes, arrays against objects, sparse arrays, depth), decoding (every token, strtod's number
/// forms, unicode escapes and surrogates, the error messages and their positions, depth limits), the settings
/// functions with good and bad arguments, cjson.new and cjson.null; then seeded random texts to decode and random
/// values to encode. Settings persist in a Lua state, so a script that changes them is followed by SCRIPT FLUSH
/// (each shard's state is reset by it). Every bad-argument case must answer an error and leave the server up.
/// </summary>
public class CjsonDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int, int>> Cases()
    {
        foreach (int threads in new[] { 1, 4 })
            foreach (int protocol in new[] { 2, 3 })
                yield return new(threads, protocol);
    }

    /// <summary>A script that changes settings: SCRIPT FLUSH runs after it.</summary>
    const string Flush = "FLUSH";

    static readonly string[] Scripts =
    {
        // encode: scalars, numbers as %.14g, escapes
        "return cjson.encode(1)",
        "return cjson.encode('text')",
        "return cjson.encode(true)",
        "return cjson.encode(false)",
        "return cjson.encode(nil)",
        "return cjson.encode(cjson.null)",
        "return cjson.encode({1, 2, 'a/b', {}, 1/3, 123456789012345, -0.0})",
        "return cjson.encode({1e300, 1e-300, 5e-324, 123456789012345678, 0.1, 1e14, 1e15, 99999999999999.5, -1.5e-5, 0.0001, 0.00001, 2^53, 2^63, -2^31})",
        "return cjson.encode({0.5, 2.5, 1.25, 100, 1e13, 12345678901234, 0.000123456789012345})",
        "return cjson.encode('\"\\\\/\\b\\f\\n\\r\\t\\0\\1\\31\\127\\128\\255 é')",
        "return cjson.encode({['k\"ey/'] = 'v'})",
        "return cjson.encode({a = {b = {c = {}}}})",
        "return cjson.encode({{}, {{}}, {{{}}}})",
        "return cjson.encode({1, nil, 3})",
        "return cjson.encode({[1] = 'a', [2] = 'b', [4] = 'd'})",
        "return cjson.encode({[1] = 1, [20] = 2})",
        "return cjson.encode({[1] = 1, [10] = 2})",
        "return cjson.encode({[0] = 'zero'})",
        "return cjson.encode({[-1] = 'neg'})",
        "return cjson.encode({[1.5] = 2})",
        "return cjson.encode({[1] = 'a', x = 'b'})",
        "return cjson.encode({[2^31] = 1})",
        "return cjson.encode({[2^31] = 1, [1] = 2})",
        "return cjson.encode({cjson.null, cjson.null})",
        "return cjson.encode(string.rep('x', 10000))",
        "local t = {} for i = 1, 1000 do t[i] = i * 1.5 end return cjson.encode(t)",
        "local t = {} for i = 1, 200 do t['k' .. i] = i end return cjson.encode(t)",
        // encode errors
        "return cjson.encode(1/0)",
        "return cjson.encode(-1/0)",
        "return cjson.encode(0/0)",
        "return cjson.encode({x = {1/0}})",
        "return cjson.encode({[1/0] = 1})",
        "return cjson.encode(function() end)",
        "return cjson.encode({f = tostring})",
        "return cjson.encode(coroutine.create(function() end))",
        "return cjson.encode({[true] = 1})",
        "return cjson.encode({[{}] = 1})",
        "return cjson.encode({[1] = 1, [1000] = 2})",
        "return cjson.encode()",
        "return cjson.encode(1, 2)",
        "local t = {} t[1] = t return cjson.encode(t)",
        "local t = {} t.a = t return cjson.encode(t)",
        "local t = {} local c = t for i = 1, 1000 do c[1] = {} c = c[1] end return cjson.encode(t)",
        "local t = {} local c = t for i = 1, 999 do c[1] = {} c = c[1] end return #cjson.encode(t)",
        "return {pcall(cjson.encode, function() end)}",
        "return {pcall(cjson.encode)}",
        // decode: values and round trips
        "return cjson.decode('1')",
        "return cjson.decode('\"text\"')",
        "return cjson.decode('true')",
        "return cjson.decode('false')",
        "return cjson.decode('null') == cjson.null",
        "return type(cjson.decode('null'))",
        "return cjson.decode('[1, \"two\", [3]]')",
        "return cjson.decode('{\"a\": 1}').a",
        "return cjson.encode(cjson.decode('{\"a\":[1,2,{\"x\":null}],\"b\":\"\\\\u00e9\\\\ud83d\\\\ude00\"}'))",
        "return cjson.decode('\"\\\\u0041\\\\u00e9\\\\u20ac\\\\ud83d\\\\ude00\\\\u0000x\"')",
        "return cjson.decode('\"\\\\\"\\\\\\\\\\\\/\\\\b\\\\f\\\\n\\\\r\\\\t\"')",
        "return cjson.decode('  \\t\\r\\n [ ] \\n')",
        "return cjson.encode(cjson.decode('{}'))",
        "return cjson.encode(cjson.decode('[]'))",
        "return cjson.encode(cjson.decode('[[],{},[[]]]'))",
        "return cjson.encode(cjson.decode('[1.e5, -.5, 1e400, -1e400, 1e-400, 0x1.8p1, 0X10, +5, 1E+2, 007, -0]'))",
        "return tostring(cjson.decode('-nan')) .. tostring(cjson.decode('nan')) .. tostring(cjson.decode('-Infinity')) .. tostring(cjson.decode('INF'))",
        "return tostring(cjson.decode('nan(abc)')) .. tostring(cjson.decode('[nan(1)]')[1])",
        "return cjson.encode(cjson.decode('[1e99999999999999999999999, 0.1e-99999999999999999]'))",
        "return cjson.encode(cjson.decode('[0x1.fffffffffffff8p1023, 0x1p-1074, 0x1p-1075, 0x1.8p-1075, 0x1.00000000000008p0, 0x1.00000000000018p0, 0x123456789abcdef0123p0]'))",
        "return cjson.encode(cjson.decode('[123456789012345678901234567890, 0.1000000000000000055511151231257827, 2.2250738585072011e-308]'))",
        "return cjson.decode('[1]\\0junk')",
        "return cjson.decode(12.5)",
        "return cjson.decode('1e2')",
        "return cjson.decode('0x')",
        "return cjson.decode('-')",
        "return cjson.decode('1ee')",
        // decode errors and their positions
        "return cjson.decode('[1,2')",
        "return cjson.decode('{\"a\" 1}')",
        "return cjson.decode('{\"a\":1,}')",
        "return cjson.decode('{1:2}')",
        "return cjson.decode('[1,]')",
        "return cjson.decode('[1 2]')",
        "return cjson.decode('1 2')",
        "return cjson.decode('')",
        "return cjson.decode('  ')",
        "return cjson.decode(']')",
        "return cjson.decode(':')",
        "return cjson.decode('[tru]')",
        "return cjson.decode('nul')",
        "return cjson.decode('falsey')",
        "return cjson.decode('\"abc')",
        "return cjson.decode('\"a\\\\qb\"')",
        "return cjson.decode('\"\\\\ud800\"')",
        "return cjson.decode('\"\\\\udc00\"')",
        "return cjson.decode('\"\\\\ud800\\\\u0041\"')",
        "return cjson.decode('\"\\\\u12\"')",
        "return cjson.decode('\"\\\\u12g4\"')",
        "return cjson.decode('\"a\\\\')",
        "return cjson.decode('.5')",
        "return cjson.decode('- 1')",
        "return cjson.decode('\\0[')",
        "return cjson.decode('[\\0')",
        "return cjson.decode('\\1')",
        "return cjson.decode('\\255')",
        "return cjson.decode(string.rep('[', 1000) .. string.rep(']', 1000))[1] ~= nil",
        "return cjson.decode(string.rep('[', 1001))",
        "return cjson.decode(string.rep('{\"a\":', 1001))",
        "return cjson.decode()",
        "return cjson.decode('1', 2)",
        "return cjson.decode(nil)",
        "return cjson.decode({})",
        "return cjson.decode(true)",
        "return {pcall(cjson.decode, '[')}",
        "return {pcall(cjson.decode)}",
        // settings: their defaults, then each with good and bad arguments (a flush after each change)
        "return {cjson.encode_sparse_array()}",
        "return {cjson.encode_max_depth(), cjson.decode_max_depth(), cjson.encode_number_precision()}",
        "return {cjson.encode_keep_buffer(), cjson.encode_invalid_numbers(), cjson.decode_invalid_numbers()}",
        "return cjson._NAME .. ' ' .. cjson._VERSION",
        "return {type(cjson.null), type(cjson.new), cjson.null == nil}",
        "cjson.encode_number_precision(3) return cjson.encode({1/3, 2/3, 1234.5, 0.0001234})", Flush,
        "cjson.encode_number_precision(1) return cjson.encode({0.5, 1.5, 2.5, 15, 25, 95})", Flush,
        "return cjson.encode_number_precision('7')", Flush,
        "return cjson.encode_number_precision(0)",
        "return cjson.encode_number_precision(15)",
        "return cjson.encode_number_precision(1.9)", Flush,
        "return cjson.encode_number_precision({})",
        "return cjson.encode_number_precision('x')",
        "return cjson.encode_number_precision(1, 2)",
        "return cjson.encode_max_depth(2^32 + 5)", Flush,
        "return cjson.encode_max_depth('0x10')", Flush,
        "return cjson.encode_max_depth(-1)",
        "return cjson.encode_max_depth(0/0)",
        "return cjson.encode_max_depth(1/0)",
        "return cjson.encode_max_depth(2^31)",
        "return cjson.encode_max_depth(true)",
        "return cjson:encode_max_depth(5)",
        "cjson.encode_max_depth(2) return cjson.encode({{1}})", Flush,
        "cjson.encode_max_depth(2) return cjson.encode({{{1}}})", Flush,
        "cjson.encode_max_depth(100000) local t = {} local c = t for i = 1, 9000 do c[1] = {} c = c[1] end return cjson.encode(t)", Flush,
        "cjson.encode_max_depth(100000) local t = {} local c = t for i = 1, 9000 do c.a = {} c = c.a end return cjson.encode(t)", Flush,
        "cjson.decode_max_depth(2) return cjson.encode(cjson.decode('[[1]]'))", Flush,
        "cjson.decode_max_depth(2) return cjson.decode('[[[1]]]')", Flush,
        "cjson.decode_max_depth(2) return cjson.decode('{\"a\":{\"b\":{\"c\":1}}}')", Flush,
        "cjson.decode_max_depth(100000) return cjson.decode(string.rep('[', 9000))", Flush,
        "cjson.decode_max_depth(100000) return cjson.decode(string.rep('{\"a\":', 9000))", Flush,
        "return cjson.decode_max_depth(0)",
        "return cjson.decode_max_depth('abc')",
        "return {cjson.encode_sparse_array(true)}", Flush,
        "cjson.encode_sparse_array(true) return cjson.encode({[1] = 1, [1000] = 2})", Flush,
        "return {cjson.encode_sparse_array('on', 3, 5)}", Flush,
        "cjson.encode_sparse_array(false, 0) return cjson.encode({[1] = 1, [30] = 2})", Flush,
        "cjson.encode_sparse_array(false, 3, 1) return cjson.encode({[1] = 1, [4] = 2})", Flush,
        "cjson.encode_sparse_array(false, 3, 1) return cjson.encode({[1] = 1, [3] = 2})", Flush,
        "cjson.encode_sparse_array(false, 2^30, 0) return cjson.encode({[1] = 1, [2] = 1, [3] = 1, [100] = 2})", Flush,
        "return cjson.encode_sparse_array(true, -1)", Flush,
        "local ok = pcall(cjson.encode_sparse_array, true, -1) return {cjson.encode_sparse_array()}", Flush,
        "return cjson.encode_sparse_array(nil, nil, -5)",
        "return cjson.encode_sparse_array('maybe')",
        "return cjson.encode_sparse_array(1)",
        "return cjson.encode_sparse_array({})",
        "return cjson.encode_sparse_array(nil, 'x')",
        "return cjson.encode_sparse_array(1, 2, 3, 4)",
        "return cjson.encode_keep_buffer(false)", Flush,
        "cjson.encode_keep_buffer('off') return cjson.encode({1, 'a'})", Flush,
        "return cjson.encode_keep_buffer('maybe')",
        "return cjson.encode_keep_buffer({})",
        "return cjson.encode_invalid_numbers('on\\0x')", Flush,
        "cjson.encode_invalid_numbers('on') return cjson.encode({1/0, -1/0, 0/0, -(0/0)})", Flush,
        "cjson.encode_invalid_numbers(true) return cjson.encode({[1/0] = 1})", Flush,
        "return cjson.encode_invalid_numbers('null')", Flush,
        "cjson.encode_invalid_numbers('null') return cjson.encode({1/0, -1/0, 0/0, 5})", Flush,
        "return cjson.encode_invalid_numbers('NULL')",
        "return cjson.encode_invalid_numbers(2)",
        "return cjson.encode_invalid_numbers('On')",
        "return cjson.decode_invalid_numbers(false)", Flush,
        "cjson.decode_invalid_numbers(false) return cjson.decode('[0x10]')", Flush,
        "cjson.decode_invalid_numbers(false) return cjson.decode('[-inf]')", Flush,
        "cjson.decode_invalid_numbers(false) return cjson.decode('[+1]')", Flush,
        "cjson.decode_invalid_numbers(false) return cjson.decode('[01]')", Flush,
        "cjson.decode_invalid_numbers('off') return cjson.decode('[nan]')", Flush,
        "cjson.decode_invalid_numbers(false) return cjson.encode(cjson.decode('[0, -0, 0.5, -1e5]'))", Flush,
        "return cjson.decode_invalid_numbers('yes')",
        "return cjson.decode_invalid_numbers(1, 2)",
        // cjson.new: its own settings
        "local c = cjson.new() c.encode_number_precision(3) return {c.encode(1/3), cjson.encode(1/3)}",
        "local c = cjson.new() return {c._NAME, c._VERSION, c.null == cjson.null, c.encode({1}), c.decode('[2]')[1]}",
        "local c = cjson.new(1, 2, 3) return c.new().encode('x')",
        "local e = cjson.encode return e({a = 1})",
        "local c = cjson.new() return c.encode_max_depth(0)",
        "local c = cjson.new() local d = c.decode return d('[')",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Cjson_MatchesRedis(int threads, int protocol)
    {
        ServerProcess oracle = servers.Oracle.Server;
        ServerProcess target = servers.TargetWithThreads(threads).Server;
        using var session = new DualSession(oracle, target) { Context = $"--threads {threads}, RESP{protocol}" };
        session.Check("SCRIPT", "FLUSH");
        if (protocol == 3) session.Check("HELLO", "3");
        foreach (string script in Scripts)
        {
            if (script == Flush) session.Check("SCRIPT", "FLUSH");
            else session.Check("EVAL", script, "0");
        }
        target.AssertAlive();
    }

    const string DecodeAndEncode =
        "local ok, v = pcall(cjson.decode, ARGV[1]) if not ok then return {'error', v} end " +
        "local ok2, s = pcall(cjson.encode, v) if not ok2 then return {'encode', s} end return s";

    /// <summary>
    /// Seeded texts to decode: JSON built at random, then some of it cut, spliced or with bytes changed, so the
    /// tokenizer meets every kind of byte at every place; each is decoded and encoded back (or its error returned).
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomTexts_DecodeAsRedisDoes(int threads, int protocol)
    {
        const int seed = 7211;
        var random = new Random(seed + threads * 10 + protocol);
        using DualSession session = OpenSession(threads, protocol, seed);
        var steps = new List<byte[][]>();
        for (int i = 0; i < 400; i++)
        {
            var text = new StringBuilder();
            AppendJson(random, text, 0);
            byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
            bytes = Mutate(random, bytes);
            steps.Add(new[] { "EVAL"u8.ToArray(), Encoding.UTF8.GetBytes(DecodeAndEncode), "0"u8.ToArray(), bytes });
        }
        session.Run(steps, batch: 20);
        servers.TargetWithThreads(threads).Server.AssertAlive();
    }

    /// <summary>Seeded doubles (random bits, integers, powers of ten and halves) through %.14g and the other precisions.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomNumbers_EncodeAsRedisDoes(int threads, int protocol)
    {
        const int seed = 1414;
        var random = new Random(seed + threads * 10 + protocol);
        using DualSession session = OpenSession(threads, protocol, seed);
        // the number travels as a hexadecimal float, which both servers' cjson.decode read exactly
        const string script =
            "local c = cjson.new() c.encode_number_precision(tonumber(ARGV[2])) " +
            "local n = cjson.decode(ARGV[1]) return {c.encode(n), cjson.encode({n, -n, n / 7})}";
        var steps = new List<byte[][]>();
        for (int i = 0; i < 400; i++)
        {
            double d = RandomDouble(random);
            if (!double.IsFinite(d)) d = 1;
            string precision = (i % 4 == 0 ? random.Next(1, 15) : 14).ToString(CultureInfo.InvariantCulture);
            steps.Add(DualSession.Command("EVAL", script, "0", HexFloat(d), precision));
        }
        session.Run(steps, batch: 20);
        servers.TargetWithThreads(threads).Server.AssertAlive();
    }

    DualSession OpenSession(int threads, int protocol, int seed)
    {
        var session = new DualSession(servers.Oracle.Server, servers.TargetWithThreads(threads).Server)
        {
            Context = $"seed {seed}, --threads {threads}, RESP{protocol}",
        };
        if (protocol == 3) session.Check("HELLO", "3");
        return session;
    }

    static double RandomDouble(Random random) => random.Next(5) switch
    {
        0 => BitConverter.Int64BitsToDouble(random.NextInt64()),
        1 => random.NextInt64(-(1L << 53), 1L << 53),
        2 => Math.Pow(10, random.Next(-30, 30)) * random.Next(1, 10),
        3 => random.Next(-100000, 100000) + 0.5,
        _ => random.NextDouble() * Math.Pow(10, random.Next(-10, 20)),
    };

    /// <summary>"0x1.hhhp+e" text of a finite double (for a subnormal, "0x0.hhhp-1022").</summary>
    static string HexFloat(double d)
    {
        long bits = BitConverter.DoubleToInt64Bits(d);
        string sign = bits < 0 ? "-" : "";
        long fraction = bits & ((1L << 52) - 1);
        int exponent = (int)((bits >> 52) & 0x7FF);
        if (exponent == 0 && fraction == 0) return sign + "0";
        string lead = exponent == 0 ? "0" : "1";
        int e = exponent == 0 ? -1022 : exponent - 1023;
        return string.Create(CultureInfo.InvariantCulture, $"{sign}0x{lead}.{fraction:x13}p{e}");
    }

    static readonly string[] Atoms =
    {
        "0", "-0", "1", "-1", "12.5", "1e5", "1E-3", "-2.5e+10", "123456789012345678", "0.1", "1e400", "0x1F", "007", "+3",
        "inf", "-Infinity", "nan", "true", "false", "null", "\"\"", "\"a\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"",
        "\"\\n\\t\\\\\\/\\\"\"", "\"\\u0000\"", "\"é\"",
    };

    static void AppendJson(Random random, StringBuilder text, int depth)
    {
        int kind = depth > 4 ? 0 : random.Next(4);
        if (kind <= 1)
        {
            text.Append(Atoms[random.Next(Atoms.Length)]);
            return;
        }
        int n = random.Next(4);
        if (kind == 2)
        {
            text.Append('[');
            for (int i = 0; i < n; i++)
            {
                if (i > 0) text.Append(random.Next(8) == 0 ? " , " : ",");
                AppendJson(random, text, depth + 1);
            }
            text.Append(']');
        }
        else
        {
            text.Append('{');
            for (int i = 0; i < n; i++)
            {
                if (i > 0) text.Append(',');
                text.Append('"').Append((char)('a' + random.Next(6))).Append("\":");
                AppendJson(random, text, depth + 1);
            }
            text.Append('}');
        }
    }

    static readonly byte[] Noise = "[]{}:,\"\\ \t\n0123456789-+.eExXtfnuI\0\u0001/"u8.ToArray();

    static byte[] Mutate(Random random, byte[] bytes)
    {
        switch (random.Next(5))
        {
            case 0:
                return bytes;
            case 1:
                return bytes.AsSpan(0, random.Next(bytes.Length + 1)).ToArray();
            case 2:
            {
                byte[] copy = (byte[])bytes.Clone();
                if (copy.Length > 0) copy[random.Next(copy.Length)] = Noise[random.Next(Noise.Length)];
                return copy;
            }
            case 3:
            {
                int at = random.Next(bytes.Length + 1);
                var list = new List<byte>(bytes);
                list.Insert(at, Noise[random.Next(Noise.Length)]);
                return list.ToArray();
            }
            default:
            {
                byte[] copy = (byte[])bytes.Clone();
                if (copy.Length > 0) copy[random.Next(copy.Length)] = (byte)random.Next(256);
                return copy;
            }
        }
    }
}
