using System;

namespace FastKv.Engine;

/// <summary>
/// A message published on one shard for the subscribers of another: posted to the target shard's mailbox and
/// delivered there by its <see cref="ShardSubscribers"/>. One object per target shard; the payload (channel
/// then message bytes) is shared by all targets and never written after packing.
/// </summary>
public sealed class PublishMessage : ShardMessage
{
    readonly PubSubHub hub;
    readonly bool shardChannel;
    readonly byte[] payload;
    readonly int channelLength;

    public PublishMessage(PubSubHub hub, bool shardChannel, byte[] payload, int channelLength)
    {
        this.hub = hub;
        this.shardChannel = shardChannel;
        this.payload = payload;
        this.channelLength = channelLength;
    }

    /// <summary>Channel and message in one array: [channel bytes][message bytes].</summary>
    public static byte[] Pack(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message)
    {
        var b = GC.AllocateUninitializedArray<byte>(channel.Length + message.Length);
        channel.CopyTo(b);
        message.CopyTo(b.AsSpan(channel.Length));
        return b;
    }

    public override void Run(Shard shard)
    {
        ReadOnlySpan<byte> all = payload;
        hub.Local(shard).Deliver(shardChannel, all.Slice(0, channelLength), all.Slice(channelLength));
    }
}
