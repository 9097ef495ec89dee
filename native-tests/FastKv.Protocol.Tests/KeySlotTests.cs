using System.Text;
using FastKv.Protocol;
using Xunit;

namespace FastKv.Protocol.Tests;

public class KeySlotTests
{
    [Fact]
    public void Crc16CheckValue() => Assert.Equal(0x31C3, KeySlot.Crc16("123456789"u8));

    [Fact]
    public void Crc16OfNothingIsZero() => Assert.Equal(0, KeySlot.Crc16(default));

    /// <summary>Values from the Redis Cluster spec and docs, the rest from an independent bitwise CRC16 (XMODEM).</summary>
    [Theory]
    [InlineData("foo", 12182)]
    [InlineData("bar", 5061)]
    [InlineData("hello", 866)]
    [InlineData("{user1000}.following", 3443)]
    [InlineData("{user1000}.followers", 3443)]
    [InlineData("foo{}{bar}", 8363)]
    [InlineData("foo{{bar}}zap", 4015)]
    [InlineData("{bar", 4015)]
    [InlineData("foo{bar}{zap}", 5061)]
    [InlineData("", 0)]
    [InlineData("key:1", 6657)]
    [InlineData("a{b}c{", 3300)]
    [InlineData("{}", 15257)]
    [InlineData("}{x}", 16287)]
    public void Slot(string key, int expected) => Assert.Equal(expected, KeySlot.Slot(Encoding.ASCII.GetBytes(key)));

    [Fact]
    public void HashTagRules()
    {
        Assert.Equal(KeySlot.Slot("bar"u8), KeySlot.Slot("foo{bar}{zap}"u8));
        Assert.Equal(KeySlot.Slot("{bar"u8), KeySlot.Slot("foo{{bar}}zap"u8));
        Assert.Equal(KeySlot.Crc16("foo{}{bar}"u8) & 16383, KeySlot.Slot("foo{}{bar}"u8));
        Assert.Equal(KeySlot.Crc16("abc{"u8) & 16383, KeySlot.Slot("abc{"u8));
    }
}
