using System;
using System.Text;
using FastKv.Engine.Scripting;
using Xunit;

namespace FastKv.Engine.Tests;

public class Sha1Tests
{
    [Theory]
    // FIPS 180 examples, and the padding edges: 55 bytes fit one block with the length, 56 need a second.
    [InlineData("", "da39a3ee5e6b4b0d3255bfef95601890afd80709")]
    [InlineData("abc", "a9993e364706816aba3e25717850c26c9cd0d89d")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1")]
    [InlineData("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12")]
    public void KnownDigests(string text, string hex) => Assert.Equal(hex, Sha1.Hex(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void EveryLengthToThreeBlocks_MatchesTheFramework()
    {
        // The framework's SHA-1 is the reference here only (the server does not load it: it needs OpenSSL).
        var rng = new Random(5);
        var data = new byte[200];
        rng.NextBytes(data);
        for (int len = 0; len <= data.Length; len++)
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(data.AsSpan(0, len))), Sha1.Hex(data.AsSpan(0, len)));
        var million = new byte[1_000_000];
        million.AsSpan().Fill((byte)'a');
        Assert.Equal("34aa973cd4c4daa4f61eeb2bdbad27316534016f", Sha1.Hex(million));
    }
}
