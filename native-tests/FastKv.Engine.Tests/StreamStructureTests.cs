using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using FastKv.Memory;
using FastKv.Protocol;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// The stream structure (<see cref="StreamValue"/>, <see cref="StreamIterator"/>) against a managed model: random
/// appends with explicit IDs and fields that match the node's master fields or not, deletes, exact and approximate
/// trims by length and by ID (with LIMIT), under node limits that split by entries and by bytes. After every step:
/// the walk forwards and backwards and a random sub-range in both directions equal the model, every node passes the
/// deep check and keeps within the limits, the counters agree, and the serialized form reads back the same. At the
/// end freeing the stream gives back every arena byte.
/// Unsafe invariant: each stream lives in the test's own arena, on this thread, until it is freed.
/// </summary>
public unsafe class StreamStructureTests
{
    sealed record Entry(StreamId Id, string[] Pairs);

    static readonly string[] s_fields = ["a", "b", "c", "10", "-7", "", "long-field-name-for-bytes"];
    static readonly string[] s_values = ["v", "1", "-1", "123456789012", "", "x y z", new string('q', 300)];

    /// <summary>A command buffer and its argument list holding <paramref name="pairs"/>, as XADD hands them over.</summary>
    static (byte[] Buffer, ArgList Args) Arguments(string[] pairs)
    {
        var buf = new List<byte>();
        var args = new ArgList();
        foreach (string p in pairs)
        {
            args.Add(buf.Count, Encoding.Latin1.GetByteCount(p));
            buf.AddRange(Encoding.Latin1.GetBytes(p));
        }
        return (buf.ToArray(), args);
    }

    static List<Entry> Walk(byte* s, StreamId start, StreamId end, bool rev)
    {
        var list = new List<Entry>();
        var it = new StreamIterator(s, start, end, rev);
        Span<byte> scratch = stackalloc byte[Listpack.MaxIntegerChars];
        while (it.Next(out StreamId id, out long fields))
        {
            var pairs = new string[fields * 2];
            for (long f = 0; f < fields; f++)
            {
                it.Field(out byte* field, out byte* value);
                pairs[2 * f] = Text(field, scratch);
                pairs[2 * f + 1] = Text(value, scratch);
            }
            list.Add(new Entry(id, pairs));
        }
        return list;
    }

    static string Text(byte* p, Span<byte> scratch)
        => Encoding.Latin1.GetString(HashValue.Text(Listpack.Get(p), scratch));

    static void AssertSame(List<Entry> expected, List<Entry> actual, string what)
    {
        Assert.True(expected.Count == actual.Count, $"{what}: {actual.Count} entries, the model has {expected.Count}");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Id, actual[i].Id);
            Assert.Equal(expected[i].Pairs, actual[i].Pairs);
        }
    }

    [Theory]
    [InlineData(1, 4096, 100)]
    [InlineData(2, 0, 3)]
    [InlineData(3, 200, 0)]
    [InlineData(4, 1, 100)]
    [InlineData(5, 60, 5)]
    [InlineData(6, 4096, 1)]
    public void RandomOperations_MatchTheModel(int seed, long maxBytes, long maxEntries)
    {
        var rng = new Random(seed);
        using var arena = new Arena();
        byte* s = StreamValue.Create(arena);
        var model = new List<Entry>();
        ulong ms = 1;
        ulong entriesAdded = 0;
        for (int step = 0; step < 1500; step++)
        {
            int op = rng.Next(100);
            if (op < 60)
            {
                ms += (ulong)rng.Next(3);
                var id = new StreamId(ms, (ulong)rng.Next(4));
                int n = 1 + rng.Next(3);
                bool master = rng.Next(3) > 0;
                var pairs = new string[2 * n];
                for (int i = 0; i < n; i++)
                {
                    pairs[2 * i] = master ? s_fields[i] : s_fields[rng.Next(s_fields.Length)];
                    pairs[2 * i + 1] = s_values[rng.Next(s_values.Length)];
                }
                var (buf, args) = Arguments(pairs);
                bool fresh = id > StreamValue.LastId(s);
                StreamAppendResult r = StreamValue.Append(arena, s, buf, args, 0, n, idGiven: true, id, seqGiven: true, 0, maxBytes, maxEntries, out StreamId added);
                if (r == StreamAppendResult.Added)
                {
                    Assert.Equal(id, added);
                    model.Add(new Entry(id, pairs));
                    entriesAdded++;
                }
                else Assert.Equal(StreamAppendResult.IdTooSmall, r);
                Assert.Equal(fresh, r == StreamAppendResult.Added);
            }
            else if (op < 75)
            {
                StreamId id = model.Count > 0 && rng.Next(4) > 0 ? model[rng.Next(model.Count)].Id : new StreamId((ulong)rng.Next((int)ms + 1), (ulong)rng.Next(4));
                int at = model.FindIndex(e => e.Id == id);
                Assert.Equal(at >= 0, StreamValue.Delete(arena, s, id));
                if (at >= 0) model.RemoveAt(at);
            }
            else if (op < 90)
            {
                var args = new StreamTrimArgs { Approx = rng.Next(2) == 0 };
                if (rng.Next(2) == 0) { args.Strategy = StreamTrimArgs.MaxLen; args.MaxLength = rng.Next(40); }
                else { args.Strategy = StreamTrimArgs.MinId; args.MinimumId = new StreamId((ulong)rng.Next((int)ms + 1), (ulong)rng.Next(3)); }
                if (args.Approx && rng.Next(3) == 0) args.Limit = rng.Next(30);
                long deleted = StreamValue.Trim(arena, s, in args);
                if (!args.Approx)
                {
                    int keep = args.Strategy == StreamTrimArgs.MaxLen ? (int)Math.Min(args.MaxLength, model.Count) : model.FindAll(e => e.Id >= args.MinimumId).Count;
                    Assert.Equal(model.Count - keep, deleted);
                }
                else
                {
                    // Whole nodes from the head: the oldest entries, never below the threshold, within the limit.
                    if (args.Strategy == StreamTrimArgs.MaxLen) Assert.True(model.Count - deleted >= Math.Min(args.MaxLength, model.Count));
                    else for (int i = 0; i < deleted; i++) Assert.True(model[i].Id < args.MinimumId);
                    if (args.Limit > 0) Assert.True(deleted <= args.Limit);
                }
                model.RemoveRange(0, (int)deleted);
            }
            else
            {
                // Reads only: a random sub-range both ways.
                var a = new StreamId((ulong)rng.Next((int)ms + 2), (ulong)rng.Next(4));
                var b = new StreamId((ulong)rng.Next((int)ms + 2), (ulong)rng.Next(4));
                if (a > b) (a, b) = (b, a);
                List<Entry> inRange = model.FindAll(e => e.Id >= a && e.Id <= b);
                AssertSame(inRange, Walk(s, a, b, rev: false), $"step {step} range forwards");
                inRange.Reverse();
                AssertSame(inRange, Walk(s, a, b, rev: true), $"step {step} range backwards");
            }
            Check(arena, s, model, entriesAdded, maxBytes, maxEntries, step);
        }
        StreamValue.Free(arena, s);
        Assert.Equal(0, arena.UsedBytes);
    }

    static void Check(Arena arena, byte* s, List<Entry> model, ulong entriesAdded, long maxBytes, long maxEntries, int step)
    {
        Assert.Equal((ulong)model.Count, StreamValue.Length(s));
        Assert.Equal(entriesAdded, StreamValue.EntriesAdded(s));
        AssertSame(model, Walk(s, StreamId.Min, StreamId.Max, rev: false), $"step {step} forwards");
        var reversed = new List<Entry>(model);
        reversed.Reverse();
        AssertSame(reversed, Walk(s, StreamId.Min, StreamId.Max, rev: true), $"step {step} backwards");
        for (int i = 0; i < StreamValue.NodeCount(s); i++)
        {
            byte* lp = StreamValue.NodeListpack(s, i);
            Assert.True(StreamValue.ValidNode(lp, Listpack.TotalBytes(lp), out _), $"step {step}: node {i} fails the deep check");
            // live may be 0: an exact MINID trim marks every live entry of the head node when its last one is a
            // tombstone at or past the ID, and keeps the node, as Redis does.
            if (i > 0) Assert.True(StreamValue.NodeMasterId(s, i - 1) < StreamValue.NodeMasterId(s, i));
            if (maxEntries > 0) Assert.True(NodeEntries(lp) <= maxEntries, $"step {step}: node {i} holds {NodeEntries(lp)} entries");
            if (maxBytes > 0 && NodeEntries(lp) > 1) Assert.True(Listpack.TotalBytes(lp) < maxBytes + 2 * 400, $"step {step}: node {i} is {Listpack.TotalBytes(lp)} bytes");
        }
        var w = new ArrayBufferWriter<byte>();
        StreamValue.Serialize(s, w);
        byte* copy = StreamValue.Deserialize(arena, w.WrittenSpan);
        Assert.True(copy != null, $"step {step}: the serialized stream did not read back");
        AssertSame(model, Walk(copy, StreamId.Min, StreamId.Max, rev: false), $"step {step} copy");
        StreamValue.Free(arena, copy);
    }

    /// <summary>Live and deleted entries of a node (its master entry's first two numbers).</summary>
    static long NodeEntries(byte* lp)
    {
        byte* p = Listpack.First(lp);
        Listpack.Get(p, out long live, out _);
        Listpack.Get(Listpack.Next(lp, p), out long deleted, out _);
        return live + deleted;
    }

    [Fact]
    public void ForgedSerializedForms_AreRefused_NeverACrash()
    {
        using var arena = new Arena();
        byte* s = StreamValue.Create(arena);
        var (buf, args) = Arguments(["f", "v", "g", "w"]);
        for (ulong i = 1; i <= 30; i++) StreamValue.Append(arena, s, buf, args, 0, 2, true, new StreamId(i, 0), true, 0, 4096, 7, out _);
        var w = new ArrayBufferWriter<byte>();
        StreamValue.Serialize(s, w);
        byte[] good = w.WrittenSpan.ToArray();
        StreamValue.Free(arena, s);
        var rng = new Random(9);
        for (int cut = 0; cut < good.Length; cut++)
        {
            byte* p = StreamValue.Deserialize(arena, good.AsSpan(0, cut));
            Assert.True(p == null, $"a form cut at {cut} of {good.Length} bytes read back");
        }
        for (int trial = 0; trial < 3000; trial++)
        {
            byte[] bad = (byte[])good.Clone();
            for (int f = 0; f < 1 + rng.Next(3); f++) bad[rng.Next(bad.Length)] ^= (byte)(1 << rng.Next(8));
            byte* p = StreamValue.Deserialize(arena, bad);
            if (p != null)
            {
                // Accepted bytes must be a stream the readers can walk end to end, both ways.
                Walk(p, StreamId.Min, StreamId.Max, false);
                Walk(p, StreamId.Min, StreamId.Max, true);
                StreamValue.Free(arena, p);
            }
        }
        Assert.Equal(0, arena.UsedBytes);
    }
}
