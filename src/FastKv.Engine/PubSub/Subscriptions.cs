using System.Collections.Generic;

namespace FastKv.Engine;

/// <summary>The three kinds of subscription: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE.</summary>
public enum SubscriptionKind
{
    Channel,
    Pattern,
    Shard,
}

/// <summary>
/// One connection's subscriptions (Redis's c->pubsub_channels, pubsub_patterns, pubsubshard_channels). Owned
/// by the connection's home shard thread; CLIENT LIST on another shard reads the counts only.
/// </summary>
public sealed class Subscriptions
{
    public readonly HashSet<byte[]> Channels = new(ChannelComparer.Instance);
    public readonly HashSet<byte[]> Patterns = new(ChannelComparer.Instance);
    public readonly HashSet<byte[]> ShardChannels = new(ChannelComparer.Instance);

    public HashSet<byte[]> Of(SubscriptionKind kind) => kind switch
    {
        SubscriptionKind.Channel => Channels,
        SubscriptionKind.Pattern => Patterns,
        _ => ShardChannels,
    };

    /// <summary>The count SUBSCRIBE/PSUBSCRIBE and their unsubscribes reply: channels plus patterns.</summary>
    public int ChannelsAndPatterns => Channels.Count + Patterns.Count;

    /// <summary>The count SSUBSCRIBE/SUNSUBSCRIBE reply.</summary>
    public int ShardCount => ShardChannels.Count;

    /// <summary>Redis's CLIENT_PUBSUB flag: any subscription of any kind (RESP2 subscriber mode, the pubsub buffer class).</summary>
    public bool Any => Channels.Count + Patterns.Count + ShardChannels.Count > 0;

    /// <summary>The reply count after a change of <paramref name="kind"/>.</summary>
    public int CountFor(SubscriptionKind kind) => kind == SubscriptionKind.Shard ? ShardCount : ChannelsAndPatterns;
}
