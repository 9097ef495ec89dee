using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Memory;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// The consumer-group structure (<see cref="StreamGroups"/> over <see cref="SlotArray"/>) against a managed model:
/// random group creates and destroys, consumer creates and deletes, pending adds, acknowledgements, transfers between
/// consumers and time/count updates. After every step the groups, each group's PEL and consumers, and each consumer's
/// own PEL equal the model in Redis's order; a clone and the serialized form read back equal it too; freeing the stream
/// gives back every arena byte. Cut and flipped serialized forms are refused or read back consistent.
/// Unsafe invariant: each stream lives in the test's own arena, on this thread, until it is freed.
/// </summary>
public unsafe class StreamGroupsTests
{
    sealed class Nack { public string Owner = ""; public long Time; public ulong Count; }
    sealed class Group
    {
        public StreamId Last; public long EntriesRead;
        public SortedDictionary<StreamId, Nack> Pel = new();
        public SortedDictionary<string, (long Seen, long Active)> Consumers = new(StringComparer.Ordinal);
    }

    static readonly string[] s_names = ["", "a", "ab", "b", "\u00ff", "group-with-a-longer-name", "c1", "c2", "\u00e9t\u00e9"];

    static byte[] B(string s) => Encoding.Latin1.GetBytes(s);
    static string S(ReadOnlySpan<byte> b) => Encoding.Latin1.GetString(b);

    [Theory]
    [InlineData(1, 300)]
    [InlineData(2, 2000)]
    [InlineData(3, 5000)]
    public void RandomOperationsMatchModel(int seed, int steps)
    {
        var rnd = new Random(seed);
        using var arena = new Arena();
        byte* s = StreamValue.Create(arena);
        var model = new SortedDictionary<string, Group>(StringComparer.Ordinal);
        for (int step = 0; step < steps; step++)
        {
            string gname = s_names[rnd.Next(s_names.Length)];
            model.TryGetValue(gname, out Group? mg);
            byte* g = StreamGroups.Find(s, B(gname));
            Assert.Equal(mg != null, g != null);
            int op = rnd.Next(100);
            if (op < 8)
            {
                var last = new StreamId((ulong)rnd.Next(5), (ulong)rnd.Next(3));
                long er = rnd.Next(3) - 1;
                byte* made = StreamGroups.Create(arena, s, B(gname), last, er);
                Assert.Equal(mg == null, made != null);
                if (mg == null) model[gname] = new Group { Last = last, EntriesRead = er };
            }
            else if (op < 11)
            {
                Assert.Equal(mg != null, StreamGroups.Destroy(arena, s, B(gname)));
                model.Remove(gname);
            }
            else if (mg != null)
            {
                string cname = s_names[rnd.Next(s_names.Length)];
                byte* c = StreamGroups.FindConsumer(g, B(cname));
                Assert.Equal(mg.Consumers.ContainsKey(cname), c != null);
                var id = new StreamId((ulong)rnd.Next(40), (ulong)rnd.Next(4));
                if (op < 25)
                {
                    long now = rnd.Next(1000);
                    byte* made = StreamGroups.CreateConsumer(arena, g, B(cname), now);
                    Assert.Equal(c == null, made != null);
                    if (c == null) mg.Consumers[cname] = (now, -1);
                }
                else if (op < 30 && c != null)
                {
                    long had = 0;
                    foreach (var kv in new List<KeyValuePair<StreamId, Nack>>(mg.Pel))
                        if (kv.Value.Owner == cname) { mg.Pel.Remove(kv.Key); had++; }
                    Assert.Equal(had, StreamGroups.DeleteConsumer(arena, g, c));
                    mg.Consumers.Remove(cname);
                }
                else if (op < 65 && c != null)
                {
                    if (mg.Pel.ContainsKey(id)) continue;
                    long t = rnd.Next(100000);
                    ulong n = (ulong)rnd.Next(1, 5);
                    StreamGroups.AddPending(arena, g, c, id, t, n);
                    mg.Pel[id] = new Nack { Owner = cname, Time = t, Count = n };
                }
                else if (op < 80)
                {
                    Assert.Equal(mg.Pel.Remove(id), StreamGroups.Ack(g, id));
                }
                else if (op < 92 && c != null)
                {
                    int i = StreamGroups.PelFind(g, id);
                    Assert.Equal(mg.Pel.ContainsKey(id), i >= 0);
                    if (i < 0) continue;
                    StreamGroups.Transfer(arena, g, i, c);
                    byte* nack = StreamGroups.PelAt(g, i);
                    StreamGroups.SetNackTime(nack, 7 + step);
                    StreamGroups.SetNackCount(nack, StreamGroups.NackCount(nack) + 1);
                    var m = mg.Pel[id];
                    m.Owner = cname; m.Time = 7 + step; m.Count++;
                }
                else if (c != null)
                {
                    StreamGroups.SetSeenTime(c, step);
                    StreamGroups.SetActiveTime(c, step + 1);
                    mg.Consumers[cname] = (step, step + 1);
                    StreamGroups.SetLastId(g, id);
                    StreamGroups.SetEntriesRead(g, step);
                    mg.Last = id; mg.EntriesRead = step;
                }
            }
            Check(s, model);
            if (step % 97 == 0)
            {
                byte* copy = StreamValue.Clone(arena, s);
                Check(copy, model);
                StreamValue.Free(arena, copy);
                byte* moved = StreamValue.Deserialize(arena, Serialized(s));
                Assert.True(moved != null, $"step {step}: the serialized form (a copy between shards) reads back");
                Check(moved, model);
                StreamValue.Free(arena, moved);
            }
        }
        Assert.True(StreamValue.BytesUsed(s) <= arena.UsedBytes);
        StreamValue.Free(arena, s);
        Assert.Equal(0, arena.UsedBytes);
    }

    static byte[] Serialized(byte* s)
    {
        var w = new System.Buffers.ArrayBufferWriter<byte>();
        StreamValue.Serialize(s, w);
        return w.WrittenSpan.ToArray();
    }

    [Fact]
    public void ForgedSerializedGroups_RefusedOrConsistent_NothingLeaked()
    {
        using var arena = new Arena();
        byte* s = StreamValue.Create(arena);
        for (int gi = 0; gi < 3; gi++)
        {
            byte* g = StreamGroups.Create(arena, s, B("g" + gi), new StreamId(9, 0), gi - 1);
            byte* a = StreamGroups.CreateConsumer(arena, g, B("a"), 100), b = StreamGroups.CreateConsumer(arena, g, B("b"), 200);
            StreamGroups.CreateConsumer(arena, g, B("idle"), 300);
            for (ulong i = 1; i <= 6; i++) StreamGroups.AddPending(arena, g, i % 2 == 0 ? a : b, new StreamId(i, 0), (long)i * 1000, i);
        }
        byte[] good = Serialized(s);
        StreamValue.Free(arena, s);
        var rng = new Random(14);
        int accepted = 0;
        for (int trial = 0; trial < good.Length + 3000; trial++)
        {
            byte[] bad;
            if (trial < good.Length) bad = good.AsSpan(0, trial).ToArray();
            else
            {
                bad = (byte[])good.Clone();
                for (int f = 0; f < 1 + rng.Next(3); f++) bad[rng.Next(bad.Length)] ^= (byte)(1 << rng.Next(8));
            }
            byte* p = StreamValue.Deserialize(arena, bad);
            if (p == null) continue;
            accepted++;
            for (int gi = 0; gi < StreamGroups.Count(p); gi++)
            {
                byte* g = StreamGroups.At(p, gi);
                long own = 0;
                for (int ci = 0; ci < StreamGroups.ConsumerCount(g); ci++)
                {
                    byte* c = StreamGroups.ConsumerAt(g, ci);
                    own += StreamGroups.ConsumerPelCount(c);
                    for (int k = 0; k < StreamGroups.ConsumerPelCount(c); k++)
                    {
                        int at = StreamGroups.PelFind(g, StreamGroups.ConsumerPelId(c, k));
                        Assert.True(at >= 0 && StreamGroups.NackConsumer(StreamGroups.PelAt(g, at)) == c);
                    }
                }
                Assert.Equal(StreamGroups.PelCount(g), own);
            }
            // What was accepted is in order now (a flip may reorder names or IDs): its own form reads back unchanged.
            byte[] again = Serialized(p);
            byte* q = StreamValue.Deserialize(arena, again);
            Assert.True(q != null);
            Assert.Equal(again, Serialized(q));
            StreamValue.Free(arena, q);
            StreamValue.Free(arena, p);
        }
        Assert.True(accepted > 0);
        Assert.Equal(0, arena.UsedBytes);
    }

    static void Check(byte* s, SortedDictionary<string, Group> model)
    {
        Assert.Equal(model.Count, StreamGroups.Count(s));
        int gi = 0;
        foreach (var (name, mg) in model)
        {
            byte* g = StreamGroups.At(s, gi++);
            Assert.Equal(name, S(StreamGroups.Name(g)));
            Assert.Equal(mg.Last, StreamGroups.LastId(g));
            Assert.Equal(mg.EntriesRead, StreamGroups.EntriesRead(g));
            Assert.Equal(mg.Pel.Count, StreamGroups.PelCount(g));
            int pi = 0;
            var own = new Dictionary<string, List<StreamId>>();
            foreach (var (id, n) in mg.Pel)
            {
                byte* nack = StreamGroups.PelAt(g, pi++);
                Assert.Equal(id, StreamGroups.NackId(nack));
                Assert.Equal(n.Time, StreamGroups.NackTime(nack));
                Assert.Equal(n.Count, StreamGroups.NackCount(nack));
                Assert.Equal(n.Owner, S(StreamGroups.ConsumerName(StreamGroups.NackConsumer(nack))));
                if (!own.TryGetValue(n.Owner, out var l)) own[n.Owner] = l = new List<StreamId>();
                l.Add(id);
            }
            Assert.Equal(mg.Consumers.Count, StreamGroups.ConsumerCount(g));
            int ci = 0;
            foreach (var (cname, times) in mg.Consumers)
            {
                byte* c = StreamGroups.ConsumerAt(g, ci++);
                Assert.Equal(cname, S(StreamGroups.ConsumerName(c)));
                Assert.Equal(times.Seen, StreamGroups.SeenTime(c));
                Assert.Equal(times.Active, StreamGroups.ActiveTime(c));
                var ids = own.TryGetValue(cname, out var l) ? l : new List<StreamId>();
                Assert.Equal(ids.Count, StreamGroups.ConsumerPelCount(c));
                for (int k = 0; k < ids.Count; k++) Assert.Equal(ids[k], StreamGroups.ConsumerPelId(c, k));
                // The search bounded by the group's PEL answers as the whole search, for every NACK held or not.
                for (int i = 0; i < mg.Pel.Count; i++)
                {
                    byte* nack = StreamGroups.PelAt(g, i);
                    StreamId id = StreamGroups.NackId(nack);
                    Assert.Equal(StreamGroups.ConsumerPelFind(c, id),
                        StreamGroups.ConsumerPelFind(g, i, c, id, owned: StreamGroups.NackConsumer(nack) == c));
                }
            }
        }
    }
}
