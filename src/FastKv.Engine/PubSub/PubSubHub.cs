using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;

namespace FastKv.Engine;

/// <summary>
/// Server-wide Pub/Sub: which shards have subscribers for which channels, patterns and shard channels, and
/// delivery of a message to every subscriber on every shard.
/// <para>
/// Two levels. This hub holds, per channel (and per pattern), how many subscribers each shard has; publishers on
/// any shard read it without a lock (a <see cref="ConcurrentDictionary{TKey,TValue}"/> looked up by the channel's
/// bytes, patterns as a copy-on-write array). Each shard's <see cref="ShardSubscribers"/> knows its own sessions.
/// A publish delivers to the publisher's shard directly and writes a copy, in native memory, on the
/// <see cref="PublishLink"/> from the publisher's shard to each other shard that has a matching subscriber. A link
/// is FIFO, so the messages one shard publishes reach every subscriber in publish order.
/// </para>
/// <para>
/// Subscription changes run on the subscriber's home shard and take <see cref="gate"/> (they are rare next to
/// publishes). A shard's own counts change only on its thread, so for the publisher's shard the registry and
/// the local sessions agree exactly; for other shards a publish racing a (un)subscribe may count a receiver
/// that unsubscribed a moment before, as two Redis nodes would.
/// </para>
/// </summary>
public sealed class PubSubHub
{
    /// <summary>One channel's subscriber counts per shard; changed under the hub's gate, read by any publisher.</summary>
    sealed class Counts(byte[] name, int shards)
    {
        public readonly byte[] Name = name;
        public readonly int[] PerShard = new int[shards];
        public int Total;
    }

    readonly ServerState server;
    readonly object gate = new();
    readonly ConcurrentDictionary<byte[], Counts> channels = new(ChannelComparer.Instance);
    readonly ConcurrentDictionary<byte[], Counts> shardChannels = new(ChannelComparer.Instance);
    readonly ConcurrentDictionary<byte[], Counts>.AlternateLookup<ReadOnlySpan<byte>> channelLookup;
    readonly ConcurrentDictionary<byte[], Counts>.AlternateLookup<ReadOnlySpan<byte>> shardChannelLookup;
    /// <summary>Patterns with subscribers; replaced whole (never changed in place) under the gate.</summary>
    Counts[] patterns = Array.Empty<Counts>();
    ShardSubscribers[]? locals;

    public PubSubHub(ServerState server)
    {
        this.server = server;
        channelLookup = channels.GetAlternateLookup<ReadOnlySpan<byte>>();
        shardChannelLookup = shardChannels.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>The subscribers hosted by <paramref name="shard"/> (created on first use: the hub exists before the shards).</summary>
    public ShardSubscribers Local(Shard shard)
    {
        ShardSubscribers[]? l = Volatile.Read(ref locals);
        if (l == null)
        {
            var made = new ShardSubscribers[server.ShardCount];
            for (int i = 0; i < made.Length; i++) made[i] = new ShardSubscribers(server.Shards[i]);
            l = Interlocked.CompareExchange(ref locals, made, null) ?? made;
        }
        return l[shard.Id];
    }

    // ---- Publishing ------------------------------------------------------------------------------

    /// <summary>
    /// PUBLISH (and keyspace notifications) from <paramref name="from"/>'s thread: delivers <paramref name="message"/>
    /// on <paramref name="channel"/> to every channel and pattern subscriber on every shard and returns the number of
    /// receivers, counted as Redis does (a client subscribed to the channel and to two matching patterns counts 3).
    /// No subscriber anywhere: one dictionary lookup, nothing allocated. Local subscribers only: nothing allocated.
    /// </summary>
    public long Publish(Shard from, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message)
    {
        channelLookup.TryGetValue(channel, out Counts? entry);
        Counts[] pats = Volatile.Read(ref patterns);
        if (entry == null && pats.Length == 0) return 0;
        return Send(from, false, entry, pats, channel, message);
    }

    /// <summary>SPUBLISH on the shard that owns the channel's slot: shard-channel subscribers only.</summary>
    public long PublishShard(Shard from, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message)
    {
        if (!shardChannelLookup.TryGetValue(channel, out Counts? entry)) return 0;
        return Send(from, true, entry, Array.Empty<Counts>(), channel, message);
    }

    long Send(Shard from, bool shardChannel, Counts? entry, Counts[] pats, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message)
    {
        int n = server.ShardCount;
        Span<int> perShard = n <= 256 ? stackalloc int[n] : new int[n];
        perShard.Clear();
        if (entry != null)
            for (int i = 0; i < n; i++) perShard[i] = Volatile.Read(ref entry.PerShard[i]);
        foreach (Counts p in pats)
        {
            if (!Glob.Match(p.Name, channel, false)) continue;
            for (int i = 0; i < n; i++) perShard[i] += Volatile.Read(ref p.PerShard[i]);
        }
        long receivers = 0;
        for (int i = 0; i < n; i++)
        {
            if (perShard[i] == 0) continue;
            if (i == from.Id)
            {
                receivers += Local(from).Deliver(shardChannel, channel, message);
                continue;
            }
            // Cross-shard: a copy in native memory per target shard, on the link from this shard to that one.
            Link(from, i).Write(server.Shards[i], shardChannel, channel, message);
            receivers += perShard[i];
        }
        return receivers;
    }

    /// <summary>Links by producer then consumer shard; a producer's row is created and used only on its thread.</summary>
    PublishLink?[]? links;

    PublishLink Link(Shard from, int to)
    {
        PublishLink?[]? l = Volatile.Read(ref links);
        if (l == null)
        {
            var made = new PublishLink?[server.ShardCount * server.ShardCount];
            l = Interlocked.CompareExchange(ref links, made, null) ?? made;
        }
        // The first publish from this shard to that one allocates the link, once.
        return l[from.Id * server.ShardCount + to] ??= new PublishLink(this, from);
    }

    /// <summary>
    /// From <paramref name="shard"/>'s cron: its links to other shards give back the chunks their consumers are done
    /// with (all of them when nothing waits), so the memory of a burst of cross-shard messages returns.
    /// </summary>
    public void Release(Shard shard)
    {
        PublishLink?[]? l = Volatile.Read(ref links);
        if (l == null) return;
        int n = server.ShardCount;
        for (int i = shard.Id * n, end = i + n; i < end; i++) l[i]?.Release();
    }

    // ---- Subscribing (on the subscriber's home shard) -------------------------------------------------

    /// <summary>Adds a subscription of <paramref name="session"/>; false when it already had it.</summary>
    public bool Subscribe(Session session, SubscriptionKind kind, ReadOnlySpan<byte> name)
    {
        Subscriptions subs = session.Client.PubSub ??= new Subscriptions();
        HashSet<byte[]> set = subs.Of(kind);
        if (set.GetAlternateLookup<ReadOnlySpan<byte>>().Contains(name)) return false;
        byte[] key = name.ToArray();
        set.Add(key);
        Local(session.Home).Add(kind, key, session);
        lock (gate) Change(kind, key, session.Home.Id, +1);
        return true;
    }

    /// <summary>Removes a subscription of <paramref name="session"/>; false when it did not have it.</summary>
    public bool Unsubscribe(Session session, SubscriptionKind kind, ReadOnlySpan<byte> name)
    {
        Subscriptions? subs = session.Client.PubSub;
        if (subs == null) return false;
        HashSet<byte[]> set = subs.Of(kind);
        if (!set.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(name, out byte[]? key)) return false;
        set.Remove(key);
        Local(session.Home).Remove(kind, key, session);
        lock (gate) Change(kind, key, session.Home.Id, -1);
        return true;
    }

    /// <summary>RESET and connection close: drops every subscription of the session without replies.</summary>
    public void UnsubscribeAll(Session session)
    {
        Subscriptions? subs = session.Client.PubSub;
        if (subs == null) return;
        foreach (SubscriptionKind kind in new[] { SubscriptionKind.Channel, SubscriptionKind.Pattern, SubscriptionKind.Shard })
            foreach (byte[] name in new List<byte[]>(subs.Of(kind)))
                Unsubscribe(session, kind, name);
    }

    /// <summary>Adds <paramref name="delta"/> to the shard's count for a name; caller holds the gate.</summary>
    void Change(SubscriptionKind kind, byte[] name, int shard, int delta)
    {
        if (kind == SubscriptionKind.Pattern)
        {
            Counts[] cur = patterns;
            int at = -1;
            for (int i = 0; i < cur.Length; i++)
                if (name.AsSpan().SequenceEqual(cur[i].Name)) { at = i; break; }
            if (at < 0)
            {
                if (delta < 0) return;
                var e = new Counts(name, server.ShardCount);
                e.PerShard[shard] = delta;
                e.Total = delta;
                var next = new Counts[cur.Length + 1];
                Array.Copy(cur, next, cur.Length);
                next[^1] = e;
                Volatile.Write(ref patterns, next);
                return;
            }
            Counts p = cur[at];
            Volatile.Write(ref p.PerShard[shard], p.PerShard[shard] + delta);
            p.Total += delta;
            if (p.Total == 0)
            {
                var next = new Counts[cur.Length - 1];
                Array.Copy(cur, 0, next, 0, at);
                Array.Copy(cur, at + 1, next, at, cur.Length - at - 1);
                Volatile.Write(ref patterns, next);
            }
            return;
        }
        ConcurrentDictionary<byte[], Counts> map = kind == SubscriptionKind.Channel ? channels : shardChannels;
        if (!map.TryGetValue(name, out Counts? c))
        {
            if (delta < 0) return;
            c = new Counts(name, server.ShardCount);
            c.PerShard[shard] = delta;
            c.Total = delta;
            map[name] = c;
            return;
        }
        Volatile.Write(ref c.PerShard[shard], c.PerShard[shard] + delta);
        c.Total += delta;
        if (c.Total == 0) map.TryRemove(name, out _);
    }

    // ---- Introspection (PUBSUB, INFO) ---------------------------------------------------------------

    /// <summary>Channels (or shard channels) with at least one subscriber, matching <paramref name="pattern"/> if given.</summary>
    public List<byte[]> ActiveChannels(bool shard, ReadOnlySpan<byte> pattern, bool all)
    {
        var result = new List<byte[]>();
        foreach (var kv in shard ? shardChannels : channels)
            if (all || Glob.Match(pattern, kv.Key, false)) result.Add(kv.Key);
        return result;
    }

    /// <summary>Subscribers of one channel over all shards (patterns not counted), as PUBSUB NUMSUB.</summary>
    public long NumSub(bool shard, ReadOnlySpan<byte> channel)
    {
        var lookup = shard ? shardChannelLookup : channelLookup;
        if (!lookup.TryGetValue(channel, out Counts? c)) return 0;
        long n = 0;
        for (int i = 0; i < c.PerShard.Length; i++) n += Volatile.Read(ref c.PerShard[i]);
        return n;
    }

    /// <summary>Distinct patterns with subscribers (PUBSUB NUMPAT, INFO pubsub_patterns).</summary>
    public int PatternCount => Volatile.Read(ref patterns).Length;

    /// <summary>Channels with subscribers (INFO pubsub_channels).</summary>
    public int ChannelCount => channels.Count;

    /// <summary>Shard channels with subscribers (INFO pubsubshard_channels).</summary>
    public int ShardChannelCount => shardChannels.Count;
}
