using System;
using System.Collections.Generic;
using FastKv.Engine;
using FastKv.Tests.Rdb;
using Xunit;
using Z = FastKv.Tests.Rdb.RdbBytes.ZlEntry;

namespace FastKv.Engine.Tests;

/// <summary>TryMeasureValue gives the exact length of each type's value and refuses every truncation.</summary>
public class RdbMeasureTests
{
    /// <summary>DUMP payloads from Redis 7.2.4 (footer removed) with thresholds set to 4 so each encoding shows up.</summary>
    public static readonly (string Name, string Hex)[] RedisDumps =
    {
        ("int", "00c13930"),
        ("neg", "00c290eefeff"),
        ("big", "000a39393939393939393939"),
        ("raw", "00c3093c017878e02f00017878"),
        ("lp", "1201020f0f00000003008161020101816202ff"),
        ("ql", "1203021717000000040082653003826531038265320382653303ff021717000000040082653403826535038265360382653703ff020f0f00000002008265380382653903ff"),
        ("is", "0b0e0200000003000000010002000300"),
        ("slp", "140f0f00000003008161028162020101ff"),
        ("sht", "0206026d32026d35026d31026d34026d33026d30"),
        ("zlp", "1114140000000400816102010181620283322e3504ff"),
        ("zsk", "0506027a350000000000001e40027a340000000000001840027a330000000000001240027a320000000000000840027a31000000000000f83f027a300000000000000000"),
        ("hlp", "1012120000000400816602817602816e020101ff"),
        ("hht", "0406026635027635026633027633026630027630026634027634026631027631026632027632"),
    };

    /// <summary>(type, value bytes) for every type FastKv loads, the old ones hand-built.</summary>
    public static IEnumerable<(byte Type, byte[] Value)> AllValues()
    {
        foreach (var (_, hex) in RedisDumps)
        {
            byte[] d = RdbBytes.Hex(hex);
            yield return (d[0], d[1..]);
        }
        yield return (RdbType.List, new RdbBytes().Len(3).Str("a").IntStr(0, 5).LzfLiteral(new byte[40]).ToArray());
        yield return (RdbType.Set, new RdbBytes().Len(2).Str("x").IntStr(1, 300).ToArray());
        yield return (RdbType.ZSet, new RdbBytes().Len(3).Str("a").TextDouble("1.5").Str("b").Byte(254).Str("c").Byte(255).ToArray());
        yield return (RdbType.Hash, new RdbBytes().Len(1).Str("f").Str("v").ToArray());
        yield return (RdbType.ZSet2, new RdbBytes().Len(1).Str("m").BinDouble(2).ToArray());
        yield return (RdbType.HashZipmap, new RdbBytes().Str(RdbBytes.ZipmapOf("f", "v", "g", "w")).ToArray());
        yield return (RdbType.ListZiplist, new RdbBytes().Str(RdbBytes.Ziplist(Z.S("a"), Z.I(7), Z.I(-100000))).ToArray());
        yield return (RdbType.ZSetZiplist, new RdbBytes().Str(RdbBytes.Ziplist(Z.S("a"), Z.I(1), Z.S("b"), Z.S("2.5"))).ToArray());
        yield return (RdbType.HashZiplist, new RdbBytes().Str(RdbBytes.Ziplist(Z.S("f"), Z.S("v"))).ToArray());
        yield return (RdbType.ListQuicklist, new RdbBytes().Len(2).Str(RdbBytes.Ziplist(Z.S("a"))).Str(RdbBytes.Ziplist(Z.I(3))).ToArray());
        yield return (RdbType.ListQuicklist2, new RdbBytes().Len(1).Len(1).LzfLiteral(RdbBytes.Hex("1201020f0f00000003008161020101816202ff")[3..]).ToArray());
    }

    [Fact]
    public void EveryType_MeasuresItsExactLength_WithOrWithoutTrailingBytes()
    {
        int types = 0;
        foreach (var (type, value) in AllValues())
        {
            Assert.True(RdbDecode.TryMeasureValue(value, type, out int n), $"type {type}");
            Assert.Equal(value.Length, n);
            byte[] padded = new byte[value.Length + 17];
            value.CopyTo(padded, 0);
            Assert.True(RdbDecode.TryMeasureValue(padded, type, out n));
            Assert.Equal(value.Length, n);
            types++;
        }
        Assert.Equal(RedisDumps.Length + 11, types);
    }

    [Fact]
    public void EveryType_EveryTruncation_IsRefused()
    {
        foreach (var (type, value) in AllValues())
            for (int cut = 0; cut < value.Length; cut++)
                Assert.False(RdbDecode.TryMeasureValue(value.AsSpan(0, cut), type, out _), $"type {type} cut {cut}");
    }

    [Fact]
    public void UnloadedTypes_AreNotMeasured()
    {
        byte[] anything = new RdbBytes().Len(1).Str("x").Str("y").ToArray();
        foreach (byte t in new byte[] { 6, 7, 8, 15, 19, 21, 22, 255 })
            Assert.False(RdbDecode.TryMeasureValue(anything, t, out _));
    }

    [Fact]
    public void ForgedCount_BeyondTheBytes_IsRefusedWithoutWalking()
    {
        byte[] value = new RdbBytes().Len(ulong.MaxValue).Str("a").ToArray();
        foreach (byte t in new[] { RdbType.List, RdbType.Set, RdbType.ZSet, RdbType.Hash, RdbType.ZSet2, RdbType.ListQuicklist, RdbType.ListQuicklist2 })
            Assert.False(RdbDecode.TryMeasureValue(value, t, out _));
    }
}
