using System;

namespace FastKv.Engine;

/// <summary>
/// Server-wide Pub/Sub: which shards have subscribers for which channels and patterns, and delivery of a
/// message to every subscriber on every shard. Placeholder: the Pub/Sub work fills it in.
/// </summary>
public sealed class PubSubHub
{
    readonly ServerState server;

    public PubSubHub(ServerState server) => this.server = server;

    /// <summary>
    /// PUBLISH from <paramref name="from"/>'s thread: delivers <paramref name="message"/> on
    /// <paramref name="channel"/> to every channel and pattern subscriber on every shard (messages from one
    /// shard reach each subscriber in publish order) and returns the number of receivers.
    /// </summary>
    public long Publish(Shard from, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message) => 0;
}
