using System;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>The entry header against a plain model: every field round-trips at every key-length boundary.</summary>
public unsafe class KeyEntryTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(14)]
    [InlineData(65534)]
    [InlineData(65535)]
    [InlineData(65536)]
    [InlineData(200_000)]
    public void Fields_RoundTrip(int keyLen)
    {
        var rng = new Random(keyLen);
        using var arena = new Arena();
        foreach (bool expire in new[] { false, true })
        {
            byte[] key = new byte[keyLen];
            byte[] value = new byte[rng.Next(0, 100)];
            rng.NextBytes(key);
            rng.NextBytes(value);
            long expireAt = expire ? 1_700_000_000_123L : -1;
            int need = KeyEntry.SizeFor(keyLen, value.Length + 7, expire);
            nuint size = Arena.UsableSize((nuint)need);
            byte* e = arena.Alloc(size);
            KeyEntry.Init(e, (int)size, type: 3, encoding: 11, key, value.Length, expireAt);
            value.CopyTo(new Span<byte>(KeyEntry.ValuePtr(e), value.Length));
            KeyEntry.SetLru(e, 0xABCDEF);

            Assert.Equal(3, KeyEntry.Type(e));
            Assert.Equal(11, KeyEntry.Encoding(e));
            KeyEntry.SetEncoding(e, 8);
            Assert.Equal(8, KeyEntry.Encoding(e));
            Assert.Equal(3, KeyEntry.Type(e));
            Assert.Equal(expire, KeyEntry.HasExpire(e));
            Assert.Equal(expireAt, KeyEntry.ExpireAt(e));
            Assert.Equal(keyLen, KeyEntry.KeyLength(e));
            Assert.True(KeyEntry.Key(e).SequenceEqual(key));
            Assert.True(KeyEntry.Value(e).SequenceEqual(value));
            Assert.Equal(0xABCDEFu, KeyEntry.Lru(e));
            Assert.Equal((int)size, KeyEntry.AllocSize(e));
            Assert.True(KeyEntry.ValueCapacity(e) >= value.Length + 7);
            // The value ends inside the blob.
            Assert.True(KeyEntry.ValuePtr(e) + KeyEntry.ValueCapacity(e) == e + KeyEntry.AllocSize(e));
            arena.Free(e, size);
        }
    }

    [Fact]
    public void MemtierKeyWith32ByteValue_FitsThe64ByteClass()
    {
        int need = KeyEntry.SizeFor("memtier-1234567".Length - 1, 32, hasExpire: false);
        Assert.Equal(64, (int)Arena.UsableSize((nuint)need));
    }
}
