using System;
using System.Text;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

public class LzfTests
{
    /// <summary>
    /// A decompressor written from the format (the three item kinds in Lzf.cs's notes), strict about every bound,
    /// so a compressor bug shows as an exception or a wrong round trip rather than as garbage.
    /// </summary>
    internal static byte[] Decompress(ReadOnlySpan<byte> input, int originalLength)
    {
        var output = new byte[originalLength];
        int ip = 0, op = 0;
        while (ip < input.Length)
        {
            int ctrl = input[ip++];
            if (ctrl < 32)
            {
                int n = ctrl + 1;
                if (ip + n > input.Length) throw new InvalidOperationException($"literal run of {n} past the input at {ip}");
                if (op + n > output.Length) throw new InvalidOperationException("literal run past the output");
                input.Slice(ip, n).CopyTo(output.AsSpan(op));
                ip += n;
                op += n;
                continue;
            }
            int len = ctrl >> 5;
            if (len == 7)
            {
                if (ip >= input.Length) throw new InvalidOperationException("truncated long back-reference");
                len += input[ip++];
            }
            if (ip >= input.Length) throw new InvalidOperationException("truncated back-reference");
            int back = ((ctrl & 0x1F) << 8) + input[ip++] + 1;
            int from = op - back;
            if (from < 0) throw new InvalidOperationException($"back-reference {back} before the start at {op}");
            len += 2;
            if (op + len > output.Length) throw new InvalidOperationException("back-reference past the output");
            for (int k = 0; k < len; k++) output[op++] = output[from++]; // may overlap: byte by byte
        }
        if (op != originalLength) throw new InvalidOperationException($"decompressed {op} bytes, expected {originalLength}");
        return output;
    }

    static void RoundTrip(byte[] data)
    {
        // Literal runs cost one control byte per 32 bytes; liblzf also wants a few bytes of room near the end.
        var out1 = new byte[data.Length + data.Length / 32 + 8];
        int n = Lzf.Compress(data, out1);
        Assert.True(n > 0, $"{data.Length} bytes did not fit {out1.Length}");
        Assert.Equal(data, Decompress(out1.AsSpan(0, n), data.Length));
        // The loader's decompressor (Lzf.Decompress.cs) reads it back too.
        var back = new byte[data.Length];
        Assert.Equal(data.Length, Lzf.Decompress(out1.AsSpan(0, n), back));
        Assert.Equal(data, back);
        // Deterministic: the same input gives the same bytes, whatever ran on this thread before.
        var out2 = new byte[out1.Length];
        Assert.Equal(n, Lzf.Compress(data, out2));
        Assert.Equal(out1.AsSpan(0, n).ToArray(), out2.AsSpan(0, n).ToArray());
    }

    [Fact]
    public void RandomData_RoundTrips_AtEverySmallLength()
    {
        var rng = new Random(12);
        for (int len = 1; len < 600; len++)
        {
            var data = new byte[len];
            rng.NextBytes(data);
            RoundTrip(data);
        }
    }

    [Fact]
    public void RepetitiveData_RoundTrips_AndShrinks()
    {
        var rng = new Random(7);
        foreach (int len in new[] { 21, 40, 100, 263, 264, 265, 266, 1000, 8191, 8192, 8193, 20000, 100_000, 300_000 })
        {
            byte[] same = new byte[len];
            Array.Fill(same, (byte)'a');
            RoundTrip(same);
            var o = new byte[len];
            int n = Lzf.Compress(same, o);
            Assert.InRange(n, 1, len / 2 + 8);

            // Text-like: words from a small vocabulary, so matches of many lengths and offsets.
            string[] words = { "alpha", "beta", "gamma", "delta", "epsilon", " ", ":", "fastkv", "0123456789" };
            var sb = new StringBuilder();
            while (sb.Length < len) sb.Append(words[rng.Next(words.Length)]);
            RoundTrip(Encoding.ASCII.GetBytes(sb.ToString(0, len)));

            // Short random alphabet: many short matches close together.
            var small = new byte[len];
            for (int i = 0; i < len; i++) small[i] = (byte)('a' + rng.Next(3));
            RoundTrip(small);

            // A block repeated past the 8 KiB window: offsets at the limit.
            var blocks = new byte[len];
            var block = new byte[8190 + rng.Next(5)];
            rng.NextBytes(block);
            for (int i = 0; i < len; i++) blocks[i] = block[i % block.Length];
            RoundTrip(blocks);
        }
    }

    [Fact]
    public void IncompressibleData_DoesNotFit_WhenTheOutputIsSmaller()
    {
        var rng = new Random(3);
        foreach (int len in new[] { 21, 100, 5000 })
        {
            var data = new byte[len];
            rng.NextBytes(data);
            // Redis asks for a saving of at least 4 bytes: random bytes never give one.
            Assert.Equal(0, Lzf.Compress(data, new byte[len - 4]));
            // With room, random bytes become literal runs: one control byte per 32 bytes.
            var o = new byte[2 * len];
            Assert.Equal(len + (len + 31) / 32, Lzf.Compress(data, o));
        }
    }

    [Fact]
    public void OutputBounds_AreNeverExceeded()
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 300; trial++)
        {
            int len = 1 + rng.Next(300);
            var data = new byte[len];
            for (int i = 0; i < len; i++) data[i] = (byte)rng.Next(trial % 4 == 0 ? 256 : 4);
            var big = new byte[len * 2 + 8];
            int full = Lzf.Compress(data, big);
            Assert.True(full > 0);
            // Every smaller output either fails or gives a valid stream, written only inside the span.
            for (int outLen = 1; outLen < full + 4; outLen++)
            {
                var buf = new byte[outLen + 16];
                Array.Fill(buf, (byte)0xEE);
                int n = Lzf.Compress(data, buf.AsSpan(0, outLen));
                for (int k = outLen; k < buf.Length; k++) Assert.Equal(0xEE, buf[k]);
                if (n == 0) continue;
                Assert.InRange(n, 1, outLen);
                Assert.Equal(data, Decompress(buf.AsSpan(0, n), len));
            }
        }
    }

    /// <summary>
    /// liblzf's compressor (HLOG 16, VERY_FAST) as a plain model with byte-at-a-time match extension and a fresh
    /// table per call: the reference for the item choices of <see cref="Lzf.Compress"/>, which extends matches eight
    /// bytes at a time. Output only, with room to spare (the output bound checks are tested above).
    /// </summary>
    static byte[] ReferenceCompress(byte[] inp) => ReferenceCompress(inp, 16, int.MaxValue)!;

    /// <summary>
    /// The same with a table of 2^<paramref name="hashLog"/> slots and the quick compressor's early decision: null when
    /// no match is found before input position <paramref name="giveUp"/> (the model of <see cref="Lzf.CompressQuick"/>).
    /// </summary>
    static byte[]? ReferenceCompress(byte[] inp, int hashLog, int giveUp)
    {
        var htab = new int[1 << hashLog];
        Array.Fill(htab, -1);
        var o = new System.Collections.Generic.List<byte>();
        var run = new System.Collections.Generic.List<byte>();
        void Flush()
        {
            if (run.Count == 0) return;
            o.Add((byte)(run.Count - 1));
            o.AddRange(run);
            run.Clear();
        }
        int Idx(int at)
        {
            uint h = (uint)((inp[at] << 16) | (inp[at + 1] << 8) | inp[at + 2]);
            return (int)(((h >> (24 - hashLog)) - h * 5) & ((1u << hashLog) - 1));
        }
        int len = inp.Length, ip = 0;
        while (ip < len - 2)
        {
            int slot = Idx(ip), r = htab[slot];
            htab[slot] = ip;
            if (r > 0 && ip - r - 1 < 8192 && inp[r] == inp[ip] && inp[r + 1] == inp[ip + 1] && inp[r + 2] == inp[ip + 2])
            {
                giveUp = int.MaxValue;
                int max = Math.Min(len - ip - 2, 264), n = 2;
                bool early = false;
                if (max > 16)
                    for (int k = 0; k < 16 && !early; k++) { n++; early = inp[r + n] != inp[ip + n]; }
                if (!early) { do n++; while (n < max && inp[r + n] == inp[ip + n]); }
                Flush();
                int off = ip - r - 1, e = n - 2;
                if (e < 7) o.Add((byte)((off >> 8) + (e << 5)));
                else { o.Add((byte)((off >> 8) + (7 << 5))); o.Add((byte)(e - 7)); }
                o.Add((byte)off);
                ip += n;
                if (ip >= len - 2) break;
                htab[Idx(ip - 2)] = ip - 2;
                htab[Idx(ip - 1)] = ip - 1;
            }
            else
            {
                if (ip >= giveUp) return null;
                run.Add(inp[ip++]);
                if (run.Count == 32) Flush();
            }
        }
        while (ip < len)
        {
            run.Add(inp[ip++]);
            if (run.Count == 32) Flush();
        }
        Flush();
        return o.ToArray();
    }

    [Fact]
    public void ItemChoices_MatchLiblzfsByteLoop_ForMatchesOfEveryLengthAndEnd()
    {
        var rng = new Random(21);
        for (int trial = 0; trial < 4000; trial++)
        {
            int len = 1 + rng.Next(trial % 10 == 0 ? 2000 : 300);
            byte[] data = Sample(rng, trial, len);
            byte[] want = ReferenceCompress(data);
            var got = new byte[len * 2 + 8];
            int n = Lzf.Compress(data, got);
            Assert.Equal(want, got.AsSpan(0, n).ToArray());
        }
    }

    /// <summary>Inputs of six shapes, by <paramref name="trial"/>: long matches, short ones, none, and one after a stretch of none.</summary>
    static byte[] Sample(Random rng, int trial, int len)
    {
        var data = new byte[len];
        switch (trial % 6)
        {
            case 0: Array.Fill(data, (byte)'x'); break; // one repeated byte: one long match
            case 1: for (int i = 0; i < len; i++) data[i] = (byte)('a' + rng.Next(2)); break;
            case 2:
                // Runs of one byte with random lengths: matches ending anywhere, also near the input's end.
                for (int i = 0; i < len;)
                {
                    byte b = (byte)rng.Next(256);
                    for (int k = 1 + rng.Next(40); k > 0 && i < len; k--) data[i++] = b;
                }
                break;
            case 3:
                var block = new byte[1 + rng.Next(30)];
                rng.NextBytes(block);
                for (int i = 0; i < len; i++) data[i] = rng.Next(50) == 0 ? (byte)rng.Next(256) : block[i % block.Length];
                break;
            case 4: rng.NextBytes(data); break; // random bytes (redis-benchmark's values): no match
            default:
                // Random bytes, then a copy of some earlier ones: the first match comes after a stretch of literals.
                rng.NextBytes(data);
                if (len > 8)
                {
                    int from = rng.Next(len / 2), to = from + 1 + rng.Next(len - from - 4), n = Math.Min(3 + rng.Next(20), len - to);
                    Array.Copy(data, from, data, to, n);
                }
                break;
        }
        return data;
    }

    [Fact]
    public void QuickItemChoices_MatchTheModel_WithItsSmallTableAndEarlyDecision()
    {
        var rng = new Random(22);
        int gaveUp = 0, compressed = 0;
        for (int trial = 0; trial < 6000; trial++)
        {
            int len = 1 + rng.Next(trial % 10 == 0 ? 2000 : 300);
            byte[] data = Sample(rng, trial, len);
            byte[]? want = ReferenceCompress(data, 12, Math.Max(Lzf.QuickProbe, len >> 3));
            var got = new byte[len * 2 + 8];
            int n = Lzf.CompressQuick(data, got);
            if (want == null)
            {
                gaveUp++;
                Assert.Equal(0, n);
                continue;
            }
            compressed++;
            Assert.Equal(want, got.AsSpan(0, n).ToArray());
            Assert.Equal(data, Decompress(got.AsSpan(0, n), len));
            // Every smaller output either fails or gives the same stream's bytes, written only inside the span.
            for (int outLen = Math.Max(1, n - 40); outLen < n + 2; outLen++)
            {
                var buf = new byte[outLen + 16];
                Array.Fill(buf, (byte)0xEE);
                int m = Lzf.CompressQuick(data, buf.AsSpan(0, outLen));
                for (int k = outLen; k < buf.Length; k++) Assert.Equal(0xEE, buf[k]);
                if (m != 0) Assert.Equal(want, buf.AsSpan(0, m).ToArray());
            }
        }
        Assert.True(gaveUp > 500 && compressed > 2000, $"gave up {gaveUp}, compressed {compressed}");
    }

    [Fact]
    public void EmptyInputOrOutput_GivesZero()
    {
        Assert.Equal(0, Lzf.Compress(ReadOnlySpan<byte>.Empty, new byte[10]));
        Assert.Equal(0, Lzf.Compress(new byte[] { 1, 2, 3 }, Span<byte>.Empty));
    }

    [Fact]
    public void KnownStreams_MatchTheFormat()
    {
        // 1 byte: one literal run. liblzf wants room for a control byte plus 3 before its tail.
        var o = new byte[8];
        int n = Lzf.Compress(new byte[] { 0x41 }, o);
        Assert.Equal(2, n);
        Assert.Equal(new byte[] { 0, 0x41 }, o[..2]);
        Assert.Equal(0, Lzf.Compress(new byte[] { 0x41 }, new byte[3]));

        // A match three bytes before the end is taken (liblzf 3.6 has no minimum of input left after it).
        n = Lzf.Compress(Encoding.ASCII.GetBytes("xabcYabc"), o = new byte[64]);
        Assert.Equal(new byte[] { 4, (byte)'x', (byte)'a', (byte)'b', (byte)'c', (byte)'Y', 1 << 5, 3 }, o[..n]);

        // 24 x 'a': position 0 is never a match source, so two literals, then one back-reference of offset 0
        // (1 back) to within 2 bytes of the end, then the two last bytes are literals.
        byte[] a = Encoding.ASCII.GetBytes(new string('a', 24));
        n = Lzf.Compress(a, o = new byte[64]);
        Assert.Equal(a, Decompress(o.AsSpan(0, n), a.Length));
        Assert.Equal((byte)1, o[0]); // a run of two literals
        Assert.Equal((byte)'a', o[1]);
        Assert.Equal((byte)'a', o[2]);
        Assert.Equal(0xE0, o[3] & 0xE0); // long back-reference form
    }
}
