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
/// own PEL equal the model in Redis's order; a clone equals it too; freeing the stream gives back every arena byte.
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
            }
        }
        Assert.True(StreamValue.BytesUsed(s) <= arena.UsedBytes);
        StreamValue.Free(arena, s);
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
            }
        }
    }
}
