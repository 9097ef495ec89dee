using System.Collections.Generic;
using System.Text;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Scripting;

/// <summary>
/// The cmsgpack library against Redis 7.2.4's lua_cmsgpack.c, byte for byte, over RESP2 and RESP3 at --threads 1 and 4:
/// pack's encodings (int sizes, float or double, str headers, arrays or maps, the nesting limit, cycles, values it
/// cannot encode), unpack's readings of every first byte, truncated and malformed input, map keys Lua refuses,
/// unpack_one/unpack_limit's offsets and argument checks, the Lua stack limits that surface as errors, every function
/// with bad arguments; then seeded random values for pack and random streams for unpack. Decoded values are compared
/// through <see cref="Dump"/>, a printer with sorted pairs, so table addresses and traversal order do not matter.
/// </summary>
public class CmsgpackDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    /// <summary>Lua printing values: d(v) one value (pairs sorted by their printed form), all(...) every argument.</summary>
    const string Dump = """
        local function d(v)
          local t = type(v)
          if t == 'table' then
            local parts = {}
            for k, x in pairs(v) do parts[#parts + 1] = d(k) .. '=' .. d(x) end
            table.sort(parts)
            return '{' .. table.concat(parts, ',') .. '}'
          elseif t == 'number' then return string.format('%.17g', v)
          elseif t == 'string' then return string.format('%q', v)
          else return tostring(v) end
        end
        local function all(...)
          local out = {}
          for i = 1, select('#', ...) do out[i] = d((select(i, ...))) end
          return select('#', ...) .. ': ' .. table.concat(out, ' ')
        end

        """;

    /// <summary>Scripts run as they are: their reply (a packed string, a Lua value, an error) is compared.</summary>
    static readonly string[] Plain =
    {
        // The module's fields.
        "return {cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION}",
        "return {type(cmsgpack.pack), type(cmsgpack.unpack), type(cmsgpack.unpack_one), type(cmsgpack.unpack_limit), type(cmsgpack_safe)}",
        // Scalars.
        "return cmsgpack.pack(nil)",
        "return cmsgpack.pack(true, false)",
        "return cmsgpack.pack(0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 2^53, 9223372036854774784)",
        "return cmsgpack.pack(2^63, 2^64, 1e300, -1e300)",
        "return cmsgpack.pack(-1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649, -2^63, -2^63-2048)",
        "return cmsgpack.pack(0.5, 0.1, -0.0, 1/0, -1/0, 0/0, -(0/0))",
        "return cmsgpack.pack(3.4028234663852886e38, 3.4028235677973366e38, 1e-45, 2^-149, 2^-150, 1.5e-320, 16777217, 16777217.5)",
        "return cmsgpack.pack('')",
        "return cmsgpack.pack('\\0\\255\\r\\n')",
        "return cmsgpack.pack(string.rep('a', 31), string.rep('b', 32))",
        "return cmsgpack.pack(string.rep('a', 255), string.rep('b', 256))",
        "return cmsgpack.pack(string.rep('a', 65535), string.rep('b', 65536))",
        "return cmsgpack.pack(print, coroutine.create(function() end))",
        // Tables: arrays, maps, the array rule's edges.
        "return cmsgpack.pack({})",
        "return cmsgpack.pack({1, 2, 3})",
        "return cmsgpack.pack({1, nil, 3})",
        "return cmsgpack.pack({[1] = 1, [3] = 3})",
        "return cmsgpack.pack({[2] = 2, [1] = 1})",
        "return cmsgpack.pack({[0] = 0, 1})",
        "return cmsgpack.pack({[-1] = 1})",
        "return cmsgpack.pack({[1.5] = 1})",
        "return cmsgpack.pack({[2^31] = 1})",
        "return cmsgpack.pack({[2^31 - 1] = 1})",
        "return cmsgpack.pack({['1'] = 1})",
        "return cmsgpack.pack({a = 1})",
        "return cmsgpack.pack({1, 2, x = 3})",
        "return cmsgpack.pack({[true] = false})",
        "return cmsgpack.pack({[{1}] = {2}})",
        "return cmsgpack.pack({f = print})",
        "local t = {} for i = 1, 15 do t[i] = i end return cmsgpack.pack(t)",
        "local t = {} for i = 1, 16 do t[i] = i end return cmsgpack.pack(t)",
        "local t = {} for i = 1, 65535 do t[i] = 0 end return cmsgpack.pack(t)",
        "local t = {} for i = 1, 65536 do t[i] = 0 end return cmsgpack.pack(t)",
        "local t = {} for i = 1, 15 do t['k' .. i] = i end return #cmsgpack.pack(t)",
        "local t = {} for i = 1, 16 do t['k' .. i] = i end return string.sub(cmsgpack.pack(t), 1, 3)",
        "local t = {} for i = 1, 65536 do t['k' .. i] = 1 end return string.sub(cmsgpack.pack(t), 1, 5)",
        "return cmsgpack.pack(setmetatable({1, 2}, {__index = function() error('no') end}))",
        "return cmsgpack.pack(setmetatable({}, {__index = function() error('no') end, __len = function() return 3 end}))",
        // Nesting: tables at depth 16 become nil; cycles end there too.
        "local t = 1 for i = 1, 15 do t = {t} end return cmsgpack.pack(t)",
        "local t = 1 for i = 1, 16 do t = {t} end return cmsgpack.pack(t)",
        "local t = 1 for i = 1, 17 do t = {t} end return cmsgpack.pack(t)",
        "local t = 1 for i = 1, 40 do t = {k = t} end return cmsgpack.pack(t)",
        "local t = {} t[1] = t return cmsgpack.pack(t)",
        "local t = {} t.a = t return cmsgpack.pack(t)",
        "local t = {} t[t] = 1 return cmsgpack.pack(t)",
        "local t = {} t[1] = t return cmsgpack.pack(t, t)",
        "return cmsgpack.pack(1, 'a', {}, {b = 2}, nil, true)",
        // Round trips returned as Lua values (conversions to RESP2/RESP3 included).
        "return {cmsgpack.unpack(cmsgpack.pack(1, -1, 1.5, 'x', true))}",
        "return cmsgpack.unpack(cmsgpack.pack({1, 2, {3, 'x'}}))",
        "return cmsgpack.unpack(cmsgpack.pack(3.5))",
        "return cmsgpack.unpack(cmsgpack.pack(false))",
        "return cmsgpack.unpack(cmsgpack.pack(nil))",
        "return cmsgpack.unpack('')",
        "return {cmsgpack.unpack_one('')}",
        "return {cmsgpack.unpack_one('\\1\\2\\3')}",
        "return {cmsgpack.unpack_one('\\1\\2\\3', 2)}",
        "return {cmsgpack.unpack_one('\\1\\2\\3', 3)}",
        "return {cmsgpack.unpack_limit('\\1\\2\\3', 2)}",
        "return {cmsgpack.unpack_limit('\\1\\2\\3', 0)}",
        "return {cmsgpack.unpack_limit('\\1\\2\\3', 0, 0)}",
        "return {cmsgpack.unpack_limit('\\1\\2\\3', 0, 1)}",
        "return {cmsgpack.unpack_limit('\\1\\2\\3', 5, 1)}",
        "return {cmsgpack.unpack_limit('\\1\\2\\3', 1.9, 1.9)}",
        "return {cmsgpack.unpack_limit('\\1\\2\\3', '1', '1')}",
        "return {cmsgpack.unpack_limit('\\1\\2\\3', 1, nil)}",
        "return {cmsgpack.unpack_one('\\1\\2\\3', nil, 'ignored')}",
        "return {cmsgpack.unpack('\\1\\2', 'ignored')}",
        "return cmsgpack.unpack(123)",
        "return cmsgpack.unpack(-1.5)",
        "local s, n = cmsgpack.pack(1, 2, 3), 0 local off = 0 while off ~= -1 do local v off, v = cmsgpack.unpack_one(s, off) n = n + v end return n",
        // Bad arguments and bad input: each an error reply.
        "return cmsgpack.pack()",
        "return cmsgpack:pack()",
        "local p = cmsgpack.pack return p()",
        "local a = {} for i = 1, 5000 do a[i] = i end return cmsgpack.pack(unpack(a))",
        "local a = {} for i = 1, 4001 do a[i] = i end return cmsgpack.pack(unpack(a))",
        "local a = {} for i = 1, 4000 do a[i] = i end return #cmsgpack.pack(unpack(a))",
        "local a = {} for i = 1, 4000 do a[i] = {} end return cmsgpack.pack(unpack(a))",
        "local a = {} for i = 1, 3998 do a[i] = {} end return #cmsgpack.pack(unpack(a))",
        "local a = {} for i = 1, 3998 do a[i] = {k = 1} end return #cmsgpack.pack(unpack(a))",
        "local a = {} for i = 1, 3999 do a[i] = {{}} end return #cmsgpack.pack(unpack(a))",
        "local a = {} for i = 1, 3996 do a[i] = {{1}} end return #cmsgpack.pack(unpack(a))",
        "return cmsgpack.unpack()",
        "return cmsgpack.unpack(nil)",
        "return cmsgpack.unpack({})",
        "return cmsgpack.unpack(true)",
        "return cmsgpack.unpack(print)",
        "return cmsgpack:unpack()",
        "return cmsgpack.unpack_one()",
        "return cmsgpack.unpack_one(nil)",
        "return cmsgpack.unpack_one({}, 1)",
        "return cmsgpack.unpack_one(nil, 'x')",
        "return cmsgpack.unpack_one('abc', 'x')",
        "return cmsgpack.unpack_one('abc', {})",
        "return cmsgpack.unpack_one('abc', -1)",
        "return cmsgpack.unpack_one('abc', 4)",
        "return cmsgpack.unpack_one('abc', 2^40)",
        "return cmsgpack.unpack_one('abc', 2^32 + 5)",
        "return cmsgpack.unpack_one('abc', -2^31)",
        "return cmsgpack.unpack_one('abc', 0/0)",
        "return cmsgpack.unpack_one('abc', 1/0)",
        "return cmsgpack.unpack_one('abc', -1/0)",
        "return cmsgpack.unpack_limit()",
        "return cmsgpack.unpack_limit('abc')",
        "return cmsgpack.unpack_limit('abc', nil)",
        "return cmsgpack.unpack_limit('abc', 'x')",
        "return cmsgpack.unpack_limit('abc', 1, 'x')",
        "return cmsgpack.unpack_limit('abc', -1)",
        "return cmsgpack.unpack_limit('abc', 1, -5)",
        "return cmsgpack.unpack_limit('abc', 1, 9)",
        "return cmsgpack.unpack_limit(nil, 1)",
        "return cmsgpack.unpack_limit(nil, 'x')",
        "return cmsgpack.unpack('\\193')",
        "return cmsgpack.unpack('\\196\\1a')",
        "return cmsgpack.unpack('\\212\\1\\1')",
        "return cmsgpack.unpack('\\204')",
        "return cmsgpack.unpack('\\220\\0\\2\\1')",
        "return cmsgpack.unpack('\\219\\255\\255\\255\\255')",
        "return cmsgpack.unpack('\\221\\255\\255\\255\\255')",
        "return cmsgpack.unpack('\\223\\255\\255\\255\\255')",
        "return cmsgpack.unpack('\\165abc')",
        "return cmsgpack.unpack('\\129\\192\\1')",
        "return cmsgpack.unpack('\\129\\192\\192')",
        "return cmsgpack.unpack('\\129\\192')",
        "return cmsgpack.unpack('\\129\\203\\255\\248\\0\\0\\0\\0\\0\\0\\1')",
        "return cmsgpack.unpack('\\129\\202\\127\\192\\0\\0\\1')",
        "return cmsgpack.unpack('\\145\\193')",
        "return {pcall(cmsgpack.unpack, '\\129\\192\\1')}",
        "return {pcall(cmsgpack.pack)}",
        "return {pcall(cmsgpack.unpack_one, 'abc', -1)}",
        // The Lua stack's limits: thousands of values at once, streams nested thousands deep.
        "return cmsgpack.unpack(string.rep('\\1', 10000))",
        "return #{cmsgpack.unpack(string.rep('\\1', 7997))}",
        "return #{cmsgpack.unpack(string.rep('\\1', 7998))}",
        "return #{cmsgpack.unpack('\\1', string.rep('\\1', 7997))}",
        "return #{cmsgpack.unpack_limit(string.rep('\\1', 7996), 7996)}",
        "return #{cmsgpack.unpack_limit(string.rep('\\1', 7997), 7997)}",
        "return #{cmsgpack.unpack_limit(string.rep('\\1', 7998), 7998)}",
        "return #{cmsgpack.unpack_limit(string.rep('\\1', 20000), 100, 50)}",
        "return cmsgpack.unpack(string.rep('\\145', 10000))",
        "return cmsgpack.unpack(string.rep('\\129', 10000))",
        "return cmsgpack.unpack(string.rep('\\129\\1', 5000))",
        "return cmsgpack.unpack(string.rep('\\220\\0\\1', 5000))",
        "return type(cmsgpack.unpack(string.rep('\\145', 3998) .. '\\1'))",
        "return type(cmsgpack.unpack(string.rep('\\145', 3999) .. '\\1'))",
        "return type(cmsgpack.unpack(string.rep('\\129', 7997) .. '\\1'))",
        "return type(cmsgpack.unpack(string.rep('\\129', 7998) .. '\\1'))",
        "return type(cmsgpack.unpack(string.rep('\\144', 7998)))",
        "return type(cmsgpack.unpack(string.rep('\\144', 7999)))",
    };

    /// <summary>Scripts whose values are compared through <see cref="Dump"/>.</summary>
    static readonly string[] Dumped =
    {
        "return all(cmsgpack.unpack(cmsgpack.pack(0, 127, 128, -32, -33, 255, 65535, 65536, 2^32, 2^53, 2^63, -2^63, 2^64)))",
        "return all(cmsgpack.unpack(cmsgpack.pack(0.1, 0.5, 1/0, -1/0, 0/0, -0.0, 1e300, 2^-149, 1.5e-320)))",
        "return all(cmsgpack.unpack(cmsgpack.pack({1, {2, {3}}, {a = {b = 'c'}}, {}, {[1] = 1, [3] = 3}, {[true] = 1}, {[{1}] = 2}})))",
        "local t = {} t[1] = t return all(cmsgpack.unpack(cmsgpack.pack(t)))",
        "return all(cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255\\207\\128\\0\\0\\0\\0\\0\\0\\0\\211\\128\\0\\0\\0\\0\\0\\0\\0'))",
        "return all(cmsgpack.unpack('\\206\\255\\255\\255\\255\\210\\128\\0\\0\\0\\205\\255\\255\\209\\128\\0\\204\\255\\208\\128'))",
        "return all(cmsgpack.unpack('\\202\\127\\192\\0\\0\\202\\255\\128\\0\\0\\202\\0\\0\\0\\1\\203\\127\\240\\0\\0\\0\\0\\0\\1'))",
        "return all(cmsgpack.unpack('\\217\\3abc\\218\\0\\3abc\\219\\0\\0\\0\\3abc\\160'))",
        "return all(cmsgpack.unpack('\\220\\0\\2\\1\\2\\221\\0\\0\\0\\1\\3\\222\\0\\1\\1\\2\\223\\0\\0\\0\\1\\161k\\192\\144\\128'))",
        "return all(cmsgpack.unpack('\\130\\1\\2\\1\\3'))",
        "return all(cmsgpack.unpack('\\129\\145\\1\\2\\129\\129\\1\\2\\3'))",
        "return all(cmsgpack.unpack('\\147\\192\\192\\1'))",
        "return all(cmsgpack.unpack_one('\\1\\2\\3', 1.5))",
        "return all(cmsgpack.unpack_limit('\\1\\2\\3', 2, 1))",
        "return all(cmsgpack.unpack_limit('\\1\\2\\3', 2^40))",
        // Every first byte, alone and before a few tails.
        """
        local out = {}
        for b = 0, 255 do
          for _, tail in ipairs({'', '\1', '\1\2\3\4\5\6\7\8', string.rep('\0', 8), string.rep('\255', 9), '\3abc\1\2'}) do
            out[#out + 1] = b .. ' ' .. #tail .. ' ' .. all(pcall(cmsgpack.unpack, string.char(b) .. tail))
          end
        end
        return table.concat(out, '\n')
        """,
        // unpack_one and unpack_limit at every offset of a stream.
        """
        local s = cmsgpack.pack(1, 'abc', {1, 2}, {k = 'v'}, 2.5, 300, -300, true)
        local out = {}
        for off = -1, #s + 1 do
          out[#out + 1] = all(pcall(cmsgpack.unpack_one, s, off))
          for lim = 0, 3 do out[#out + 1] = all(pcall(cmsgpack.unpack_limit, s, lim, off)) end
        end
        return table.concat(out, '\n')
        """,
    };

    [Theory]
    [MemberData(nameof(ScriptingDifferentialTests.Cases), MemberType = typeof(ScriptingDifferentialTests))]
    public void FixedCases_MatchRedis(int threads, int protocol)
    {
        using DualSession session = Open(threads, protocol, out ServerProcess target);
        foreach (string script in Plain) session.Check("EVAL", script, "0");
        target.AssertAlive();
        foreach (string script in Dumped) session.Check("EVAL", Dump + script, "0");
        target.AssertAlive();
    }

    [Theory]
    [MemberData(nameof(ScriptingDifferentialTests.Cases), MemberType = typeof(ScriptingDifferentialTests))]
    public void RandomValues_PackLikeRedis(int threads, int protocol)
    {
        using DualSession session = Open(threads, protocol, out ServerProcess target);
        var gen = Seeded(session, 7100 + threads * 10 + protocol);
        for (int i = 0; i < 300; i++)
        {
            var args = new List<string>();
            for (int n = 1 + i % 3; n > 0; n--) args.Add(gen.Value(3));
            string values = string.Join(", ", args);
            session.Check("EVAL", "return cmsgpack.pack(" + values + ")", "0");
            if (i % 3 == 0) session.Check("EVAL", Dump + "return all(cmsgpack.unpack(cmsgpack.pack(" + values + ")))", "0");
        }
        target.AssertAlive();
    }

    /// <summary>Decodes ARGV[1] with the function named by ARGV[2], passing ARGV[3] and ARGV[4] as Count() encodes them.</summary>
    const string UnpackStream = Dump + """
        local function arg(s)
          if s == 'nil' then return nil end
          if string.sub(s, 1, 1) == 's' then return string.sub(s, 2) end
          return tonumber(s)
        end
        local f = cmsgpack[ARGV[2]]
        if ARGV[2] == 'unpack' then return all(pcall(f, ARGV[1])) end
        if ARGV[2] == 'unpack_one' then return all(pcall(f, ARGV[1], arg(ARGV[3]))) end
        return all(pcall(f, ARGV[1], arg(ARGV[3]), arg(ARGV[4])))
        """;

    [Theory]
    [MemberData(nameof(ScriptingDifferentialTests.Cases), MemberType = typeof(ScriptingDifferentialTests))]
    public void RandomStreams_UnpackLikeRedis(int threads, int protocol)
    {
        using DualSession session = Open(threads, protocol, out ServerProcess target);
        var gen = Seeded(session, 9300 + threads * 10 + protocol);
        byte[] script = Encoding.UTF8.GetBytes(UnpackStream);
        string[] functions = { "unpack", "unpack", "unpack_one", "unpack_limit" };
        int decoded = 0, total = 1000;
        for (int i = 0; i < total; i++)
        {
            byte[] stream = gen.Stream();
            string function = functions[i % functions.Length];
            byte[][] command =
            {
                "EVAL"u8.ToArray(), script, "0"u8.ToArray(), stream, Encoding.ASCII.GetBytes(function),
                Encoding.ASCII.GetBytes(function == "unpack_limit" && i % 8 == 3 ? gen.Count(4) : gen.Count(stream.Length)),
                Encoding.ASCII.GetBytes(gen.Count(stream.Length)),
            };
            string reply = Encoding.Latin1.GetString(session.Check(command, i));
            if (reply.Contains(": true")) decoded++;
            // The same bytes outside pcall: the error reply itself, when there is one (the value's type otherwise).
            if (i % 10 == 0) session.Check(new[] { "EVAL"u8.ToArray(), "return type(cmsgpack.unpack(ARGV[1]))"u8.ToArray(), "0"u8.ToArray(), stream }, i);
        }
        target.AssertAlive();
        // The generator is meant to mix streams that decode with streams that do not.
        Assert.InRange(decoded, total / 5, total - total / 20);
    }

    DualSession Open(int threads, int protocol, out ServerProcess target)
    {
        target = servers.TargetWithThreads(threads).Server;
        var session = new DualSession(servers.Oracle.Server, target) { Context = $"--threads {threads}, RESP{protocol}" };
        if (protocol == 3) session.Check("HELLO", "3");
        return session;
    }

    static CmsgpackInputGenerator Seeded(DualSession session, int seed)
    {
        session.Context += $", seed {seed}";
        return new CmsgpackInputGenerator(seed);
    }
}
