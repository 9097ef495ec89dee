using System;
using System.Collections.Generic;
using System.Linq;
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
    [InlineData(4, 8000, 2, 400)] // two consumers with long lists: stale slots pile up and are dropped
    public void RandomOperationsMatchModel(int seed, int steps, int consumers = 9, int idMs = 40)
    {
        var rnd = new Random(seed);
        using var arena = new Arena();
        byte* s = StreamValue.Create(arena);
        var model = new SortedDictionary<string, Group>(StringComparer.Ordinal);
        for (int step = 0; step < steps; step++)
        {
            string gname = s_names[consumers < 9 ? 0 : rnd.Next(s_names.Length)];
            model.TryGetValue(gname, out Group? mg);
            byte* g = StreamGroups.Find(s, B(gname));
            Assert.Equal(mg != null, g != null);
            int op = rnd.Next(100);
            // With few consumers, one group, seldom destroyed, consumers seldom deleted, and phases of acknowledgements without deliveries: long
            // lists that empty out.
            if (consumers < 9 && (((op >= 8 && op < 11) || (op >= 25 && op < 30)) && step % 1000 != 0
                                  || (step / 500 % 2 == 1 && op >= 30 && op < 65))) op = 70;
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
                string cname = s_names[rnd.Next(Math.Min(consumers, s_names.Length))];
                byte* c = StreamGroups.FindConsumer(g, B(cname));
                Assert.Equal(mg.Consumers.ContainsKey(cname), c != null);
                var id = new StreamId((ulong)rnd.Next(idMs), (ulong)rnd.Next(4));
                if (mg.Pel.Count > 0 && rnd.Next(2) == 0) id = mg.Pel.Keys.ElementAt(rnd.Next(mg.Pel.Count)); // a pending one
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

    [Fact]
    public void ConsumerList_KeepsStaleSlotsUntilTheyOutnumberTheLive_ThenDropsThem_AndRevivesAClaimedBackId()
    {
        using var arena = new Arena();
        byte* s = StreamValue.Create(arena);
        byte* g = StreamGroups.Create(arena, s, B("g"), default, 0);
        byte* a = StreamGroups.CreateConsumer(arena, g, B("a"), 0), b = StreamGroups.CreateConsumer(arena, g, B("b"), 0);
        for (ulong i = 1; i <= 100; i++) StreamGroups.AddPending(arena, g, a, new StreamId(1, i), 0, 1);
        for (ulong i = 1; i <= 80; i += 2) Assert.True(StreamGroups.Ack(g, new StreamId(1, i)));
        // 40 stale beside 60 live: kept.
        Assert.Equal(60, StreamGroups.ConsumerPelCount(a));
        Assert.Equal(100, StreamGroups.ConsumerSlots(a));
        // Claimed by b and back: a's stale slot lives again, the list does not grow.
        int at = StreamGroups.PelFind(g, new StreamId(1, 50));
        StreamGroups.Transfer(arena, g, at, b);
        Assert.Equal(59, StreamGroups.ConsumerPelCount(a));
        StreamGroups.Transfer(arena, g, StreamGroups.PelFind(g, new StreamId(1, 50)), a);
        Assert.Equal(60, StreamGroups.ConsumerPelCount(a));
        Assert.Equal(100, StreamGroups.ConsumerSlots(a));
        Assert.Equal(1, StreamGroups.ConsumerSlots(b));
        Assert.Equal(0, StreamGroups.ConsumerPelCount(b));
        // Acknowledged again (by FORCE-claim, as XCLAIM ... FORCE would), it is a's again in the same slot.
        Assert.True(StreamGroups.Ack(g, new StreamId(1, 1)) == false);
        StreamGroups.AddPending(arena, g, a, new StreamId(1, 1), 0, 1);
        Assert.Equal(61, StreamGroups.ConsumerPelCount(a));
        Assert.Equal(100, StreamGroups.ConsumerSlots(a));
        // 12 more acknowledgements: 51 stale beside 49 live, and the stale ones go.
        for (ulong i = 2; i <= 24; i += 2)
        {
            Assert.Equal(100, StreamGroups.ConsumerSlots(a)); // until the last one
            Assert.True(StreamGroups.Ack(g, new StreamId(1, i)));
        }
        Assert.Equal(49, StreamGroups.ConsumerPelCount(a));
        Assert.Equal(49, StreamGroups.ConsumerSlots(a));
        var want = new List<StreamId> { new(1, 1) };
        for (ulong i = 26; i <= 100; i++) if (i > 80 || i % 2 == 0) want.Add(new StreamId(1, i));
        var got = new List<StreamId>();
        for (int k = 0; k < StreamGroups.ConsumerSlots(a); k++)
        {
            Assert.True(StreamGroups.OwnNack(g, a, k) != null);
            got.Add(StreamGroups.ConsumerSlotId(a, k));
        }
        Assert.Equal(want, got);
        // b's one stale slot is below the few a list keeps.
        Assert.Equal(1, StreamGroups.ConsumerSlots(b));
        Assert.Equal(49, StreamGroups.DeleteConsumer(arena, g, a));
        Assert.Equal(0, StreamGroups.PelCount(g));
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
                    // A loaded list holds no stale slot.
                    Assert.Equal(StreamGroups.ConsumerPelCount(c), StreamGroups.ConsumerSlots(c));
                    for (int k = 0; k < StreamGroups.ConsumerSlots(c); k++)
                    {
                        int at = StreamGroups.PelFind(g, StreamGroups.ConsumerSlotId(c, k));
                        Assert.True(at >= 0 && StreamGroups.NackConsumer(StreamGroups.PelAt(g, at)) == c);
                        Assert.True(StreamGroups.OwnNack(g, c, k) == StreamGroups.PelAt(g, at));
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
                // The live slots are its NACKs in order; the stale ones (acknowledged, or claimed away) are not
                // more than the live ones, or fewer than the few a list keeps anyway.
                var live = new List<StreamId>();
                int slots = StreamGroups.ConsumerSlots(c);
                for (int k = 0; k < slots; k++)
                {
                    StreamId slotId = StreamGroups.ConsumerSlotId(c, k);
                    if (k > 0) Assert.True(StreamGroups.ConsumerSlotId(c, k - 1) < slotId);
                    Assert.Equal(k, StreamGroups.ConsumerSlotFind(c, slotId));
                    byte* nack = StreamGroups.OwnNack(g, c, k);
                    bool mine = mg.Pel.TryGetValue(slotId, out var mn) && mn.Owner == cname;
                    Assert.Equal(mine, nack != null);
                    if (nack != null) { Assert.Equal(slotId, StreamGroups.NackId(nack)); live.Add(slotId); }
                }
                Assert.Equal(ids, live);
                Assert.True(slots - ids.Count <= Math.Max(ids.Count, StreamGroups.CompactAt - 1),
                    $"{cname}: {slots - ids.Count} stale slots beside {ids.Count} live ones");
            }
        }
    }
}
