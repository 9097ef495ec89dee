using System;
using System.Text;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// DESIGN.md principle 2: keys and values live off-heap, so the GC heap does not grow with the
/// number of keys. Five million keys with 32-byte values must leave the managed heap under 64 MB.
/// </summary>
public class ManagedHeapTests
{
    [Fact]
    public void FiveMillionKeys_ManagedHeapStaysUnder64MB()
    {
        using var h = new EngineHarness();
        Database db = h.Server.Shards[0].Dbs[0];
        Span<byte> key = stackalloc byte[32];
        byte[] value = Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef");
        "memtier-"u8.CopyTo(key);
        const int n = 5_000_000;
        for (int i = 0; i < n; i++)
        {
            int len = 8;
            System.Buffers.Text.Utf8Formatter.TryFormat(i, key.Slice(8), out int w);
            len += w;
            db.SetString(key.Slice(0, len), value, ValueEncoding.EmbStr, -1, false);
        }
        Assert.Equal(n, db.Count);
        long heap = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(heap < 64L * 1024 * 1024, "managed heap " + heap + " bytes with " + n + " keys");
        // The native side holds them: at least key + value bytes per key.
        Assert.True(h.Server.UsedMemory() > (long)n * 40, "used_memory " + h.Server.UsedMemory());
    }
}
