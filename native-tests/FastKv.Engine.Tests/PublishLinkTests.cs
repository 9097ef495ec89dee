using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using FastKv.Protocol;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// <see cref="PublishLink"/>, the native queue of cross-shard publishes, against a managed model (the list of messages
/// published): every message arrives once, whole, in order, for payloads inline in a chunk, at the inline limit, and
/// in their own mapping; the producer's chunks all go back once the link idles; steady cross-shard publishing
/// allocates nothing on the GC heap; and a producer and a consumer on two threads lose or reorder nothing.
/// </summary>
public class PublishLinkTests
{
    const string Channel = "link";

    static Session Subscriber(ServerState server, int shard, long id)
    {
        // The tests read the output in bursts of many megabytes: no output limit may drop the subscriber.
        var admin = new Session(server.Shards[0], new Client { Id = id + 1 });
        admin.Feed(EngineHarness.Command("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 0 0"));
        Assert.Equal("+OK\r\n", Encoding.ASCII.GetString(admin.Output.ToArray()));
        var s = new Session(server.Shards[shard], new Client { Id = id });
        s.Feed(EngineHarness.Command("SUBSCRIBE", Channel));
        s.Output.Clear();
        return s;
    }

    /// <summary>The messages of RESP2 "message" pushes in <paramref name="output"/>, in order.</summary>
    static List<byte[]> Messages(byte[] output, ref int pos)
    {
        var got = new List<byte[]>();
        while (pos < output.Length)
        {
            int start = pos;
            Expect(output, ref pos, "*3\r\n$7\r\nmessage\r\n");
            Expect(output, ref pos, "$" + Channel.Length + "\r\n" + Channel + "\r\n");
            Assert.Equal((byte)'$', output[pos++]);
            int len = 0;
            while (output[pos] != '\r') len = len * 10 + (output[pos++] - '0');
            pos += 2;
            got.Add(output.AsSpan(pos, len).ToArray());
            pos += len;
            Expect(output, ref pos, "\r\n");
            Assert.True(pos > start);
        }
        return got;
    }

    static void Expect(byte[] output, ref int pos, string text)
    {
        Assert.Equal(text, Encoding.ASCII.GetString(output, pos, Math.Min(text.Length, output.Length - pos)));
        pos += text.Length;
    }

    static byte[] Payload(Random rnd, int size, int serial)
    {
        var b = new byte[size];
        rnd.NextBytes(b);
        // The serial in the first bytes, so a lost or repeated message shows where.
        for (int i = 0; i < Math.Min(4, size); i++) b[i] = (byte)(serial >> (8 * i));
        return b;
    }

    /// <summary>Sizes that cross every boundary: empty, small, around the inline limit, several chunks.</summary>
    static int Size(Random rnd)
    {
        int inlineLimit = ChunkPool.ChunkSize - 32 - Channel.Length;
        return rnd.Next(10) switch
        {
            0 => 0,
            1 => inlineLimit + rnd.Next(-2, 3),
            2 => rnd.Next(inlineLimit, 3 * ChunkPool.ChunkSize),
            3 => rnd.Next(1000, inlineLimit),
            _ => rnd.Next(1, 200),
        };
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomPublishes_ArriveOnceInOrder_AndTheChunksGoBack(int seed)
    {
        using var h = new EngineHarness(shards: 2, slowlog: false);
        Shard producer = h.Server.Shards[0];
        ChunkPool pool = producer.Buffers.Chunks;
        Session sub = Subscriber(h.Server, 1, 7);
        int rentedBefore = pool.RentedChunks;
        var rnd = new Random(seed);
        var model = new List<byte[]>();
        var got = new List<byte[]>();
        int pos = 0;
        bool grewPastOneChunk = false;
        for (int i = 0; i < 3000; i++)
        {
            byte[] m = Payload(rnd, Size(rnd), i);
            Assert.Equal(1, h.Server.PubSub.Publish(producer, Encoding.ASCII.GetBytes(Channel), m));
            model.Add(m);
            grewPastOneChunk |= pool.RentedChunks - rentedBefore > 1;
            switch (rnd.Next(20))
            {
                case 0:
                    EngineHarness.Pump(h.Server);
                    break;
                case 1:
                    // The producer's cron: while records wait only the chunks the consumer passed go back.
                    h.Server.PubSub.Release(producer);
                    break;
                case 2:
                    // A partial drain: one ticket delivers one record, the rest later.
                    Mailbox.RunOne(h.Server.Shards[1], h.Server.Shards[1].Mailbox.TryTake() ?? new NoOp());
                    break;
            }
            if (rnd.Next(50) == 0)
            {
                got.AddRange(Messages(sub.Output.ToArray(), ref pos));
                sub.Output.Clear();
                pos = 0;
            }
        }
        EngineHarness.Pump(h.Server);
        got.AddRange(Messages(sub.Output.ToArray(), ref pos));
        Assert.True(grewPastOneChunk, "the test never queued more than one chunk");
        Assert.Equal(model.Count, got.Count);
        for (int i = 0; i < model.Count; i++) Assert.True(model[i].AsSpan().SequenceEqual(got[i]), $"message {i} differs");
        h.Server.PubSub.Release(producer);
        Assert.Equal(rentedBefore, pool.RentedChunks);
        // And the link works again after it gave everything back.
        Assert.Equal(1, h.Server.PubSub.Publish(producer, Encoding.ASCII.GetBytes(Channel), "again"u8));
        EngineHarness.Pump(h.Server);
        sub.Output.Clear();
    }

    [Fact]
    public void PublishesFromTwoShards_ArriveInTheOrderTheyWereMade()
    {
        // A client's command on one shard notifies, then its next command on another shard does: the subscriber
        // must see the two in that order, as it would from one Redis. Here the two shards publish in turn.
        using var h = new EngineHarness(shards: 3, slowlog: false);
        Session sub = Subscriber(h.Server, 1, 7);
        var rnd = new Random(11);
        var model = new List<byte[]>();
        for (int i = 0; i < 2000; i++)
        {
            Shard from = h.Server.Shards[rnd.Next(2) == 0 ? 0 : 2];
            byte[] m = Payload(rnd, rnd.Next(4, 64), i);
            h.Server.PubSub.Publish(from, Encoding.ASCII.GetBytes(Channel), m);
            model.Add(m);
            if (rnd.Next(100) == 0) EngineHarness.Pump(h.Server);
        }
        EngineHarness.Pump(h.Server);
        int pos = 0;
        List<byte[]> got = Messages(sub.Output.ToArray(), ref pos);
        Assert.Equal(model.Count, got.Count);
        for (int i = 0; i < model.Count; i++) Assert.True(model[i].AsSpan().SequenceEqual(got[i]), $"message {i} differs");
    }

    sealed class NoOp : ShardMessage
    {
        public override void Run(Shard shard) { }
    }

    [Fact]
    public void CrossShardPublish_InSteadyState_AllocatesNothing()
    {
        using var h = new EngineHarness(shards: 2, slowlog: false);
        Shard producer = h.Server.Shards[0];
        Session sub = Subscriber(h.Server, 1, 7);
        byte[] channel = Encoding.ASCII.GetBytes(Channel);
        byte[] small = new byte[100], large = new byte[3 * ChunkPool.ChunkSize];
        void Round()
        {
            for (int i = 0; i < 100; i++) h.Server.PubSub.Publish(producer, channel, i % 10 == 0 ? large : small);
            EngineHarness.Pump(h.Server);
            sub.Output.Clear();
            h.Server.PubSub.Release(producer);
        }
        for (int i = 0; i < 50; i++) Round();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) Round();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        // It did deliver: one more round's output holds 100 messages.
        for (int i = 0; i < 100; i++) h.Server.PubSub.Publish(producer, channel, small);
        EngineHarness.Pump(h.Server);
        int pos = 0;
        Assert.Equal(100, Messages(sub.Output.ToArray(), ref pos).Count);
    }

    [Fact]
    public void ProducerAndConsumerOnTwoThreads_LoseAndReorderNothing()
    {
        using var h = new EngineHarness(shards: 2, slowlog: false);
        Shard producer = h.Server.Shards[0], consumer = h.Server.Shards[1];
        Session sub = Subscriber(h.Server, 1, 7);
        int rentedBefore = producer.Buffers.Chunks.RentedChunks;
        const int Count = 40_000;
        var sizes = new int[Count];
        var rnd = new Random(5);
        for (int i = 0; i < Count; i++) sizes[i] = Size(rnd);
        int produced = 0;
        var publisher = new Thread(() =>
        {
            byte[] channel = Encoding.ASCII.GetBytes(Channel);
            var r = new Random(6);
            for (int i = 0; i < Count; i++)
            {
                h.Server.PubSub.Publish(producer, channel, Payload(r, sizes[i], i));
                if (i % 97 == 0) h.Server.PubSub.Release(producer);
                Volatile.Write(ref produced, i + 1);
            }
        });
        publisher.Start();
        int received = 0;
        var check = new Random(6);
        DateTime lastProgress = DateTime.UtcNow;
        while (received < Count)
        {
            consumer.Mailbox.Drain(consumer);
            byte[] output = sub.Output.ToArray();
            sub.Output.Clear();
            int pos = 0;
            foreach (byte[] m in Messages(output, ref pos))
            {
                byte[] expected = Payload(check, sizes[received], received);
                Assert.True(expected.AsSpan().SequenceEqual(m), $"message {received} differs");
                received++;
                lastProgress = DateTime.UtcNow;
            }
            // Fails only when nothing moves for a long time, not on a slow machine.
            Assert.True(DateTime.UtcNow - lastProgress < TimeSpan.FromSeconds(60), $"stuck at {received} of {Volatile.Read(ref produced)} published");
        }
        publisher.Join();
        consumer.Mailbox.Drain(consumer);
        Assert.Equal(0, sub.Output.Length);
        h.Server.PubSub.Release(producer);
        Assert.Equal(rentedBefore, producer.Buffers.Chunks.RentedChunks);
    }
}
