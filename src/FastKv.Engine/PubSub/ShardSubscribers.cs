using System;
using System.Collections.Generic;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// The subscribers one shard hosts: its sessions by channel, by pattern and by shard channel. Only that shard's
/// thread reads or changes it; <see cref="PubSubHub"/> calls <see cref="Deliver"/> there, directly for a message
/// published on this shard, or from a <see cref="PublishLink"/> for one published elsewhere. Each delivery
/// appends the push frame to the subscriber's output and asks its event loop to flush it.
/// </summary>
public sealed class ShardSubscribers
{
    sealed class PatternEntry
    {
        public required byte[] Pattern;
        public readonly List<Session> Sessions = new();
    }

    readonly Shard shard;
    readonly Dictionary<byte[], List<Session>> channels = new(ChannelComparer.Instance);
    readonly Dictionary<byte[], List<Session>> shardChannels = new(ChannelComparer.Instance);
    readonly Dictionary<byte[], List<Session>>.AlternateLookup<ReadOnlySpan<byte>> channelLookup;
    readonly Dictionary<byte[], List<Session>>.AlternateLookup<ReadOnlySpan<byte>> shardChannelLookup;
    readonly List<PatternEntry> patterns = new();

    public ShardSubscribers(Shard shard)
    {
        this.shard = shard;
        channelLookup = channels.GetAlternateLookup<ReadOnlySpan<byte>>();
        shardChannelLookup = shardChannels.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public void Add(SubscriptionKind kind, byte[] name, Session s)
    {
        if (kind == SubscriptionKind.Pattern)
        {
            PatternEntry? e = FindPattern(name);
            if (e == null) patterns.Add(e = new PatternEntry { Pattern = name });
            e.Sessions.Add(s);
            return;
        }
        Dictionary<byte[], List<Session>> map = kind == SubscriptionKind.Channel ? channels : shardChannels;
        if (!map.TryGetValue(name, out List<Session>? list)) map[name] = list = new List<Session>();
        list.Add(s);
    }

    public void Remove(SubscriptionKind kind, byte[] name, Session s)
    {
        if (kind == SubscriptionKind.Pattern)
        {
            PatternEntry? e = FindPattern(name);
            if (e == null) return;
            e.Sessions.Remove(s);
            if (e.Sessions.Count == 0) patterns.Remove(e);
            return;
        }
        Dictionary<byte[], List<Session>> map = kind == SubscriptionKind.Channel ? channels : shardChannels;
        if (!map.TryGetValue(name, out List<Session>? list)) return;
        list.Remove(s);
        if (list.Count == 0) map.Remove(name);
    }

    PatternEntry? FindPattern(ReadOnlySpan<byte> pattern)
    {
        foreach (PatternEntry e in patterns)
            if (pattern.SequenceEqual(e.Pattern)) return e;
        return null;
    }

    /// <summary>
    /// Writes the message to every local subscriber of <paramref name="channel"/> (a channel subscriber gets
    /// "message" before the "pmessage" of each of its matching patterns, as Redis orders them) and returns how
    /// many receivers there were. Allocates nothing.
    /// </summary>
    public int Deliver(bool shardChannel, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message)
    {
        int n = 0;
        if (shardChannel)
        {
            if (shardChannelLookup.TryGetValue(channel, out List<Session>? subs))
            {
                ReadOnlySpan<byte> frame = Frame("smessage"u8, default, channel, message, false);
                foreach (Session s in subs) n += Write(s, frame);
            }
            return n;
        }
        if (channelLookup.TryGetValue(channel, out List<Session>? list))
        {
            ReadOnlySpan<byte> frame = Frame("message"u8, default, channel, message, false);
            foreach (Session s in list) n += Write(s, frame);
        }
        foreach (PatternEntry e in patterns)
        {
            if (!Glob.Match(e.Pattern, channel, false)) continue;
            ReadOnlySpan<byte> frame = Frame("pmessage"u8, e.Pattern, channel, message, true);
            foreach (Session s in e.Sessions) n += Write(s, frame);
        }
        return n;
    }

    /// <summary>Encodes a message push once for every subscriber: RESP2's array form (RESP3 differs only in its first byte).</summary>
    readonly RespWriter frameWriter = new(new OutputBuffer(256));

    ReadOnlySpan<byte> Frame(ReadOnlySpan<byte> kind, ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> channel,
        ReadOnlySpan<byte> message, bool withPattern)
    {
        RespWriter w = frameWriter;
        w.Output.Clear();
        w.PushHeader(withPattern ? 4 : 3);
        w.Bulk(kind);
        if (withPattern) w.Bulk(pattern);
        w.Bulk(channel);
        w.Bulk(message);
        return w.Output.Written;
    }

    int Write(Session s, ReadOnlySpan<byte> frame)
    {
        // A client already condemned by its output limit receives nothing more; Redis counts it still.
        if (s.Client.Killed || s.Closed) return 1;
        // Behind the client's own running command, a push waits for its reply (ReplyOrder).
        RespWriter w = s.PushWriter;
        if (s.OutputWriter.Protocol == 3)
        {
            w.Raw(">"u8); // a push instead of RESP2's array; the rest of the frame is the same
            w.Raw(frame.Slice(1));
        }
        else w.Raw(frame);
        if (shard.Server.Config.OutputBufferLimits.Exceeded(s.Client, s.PendingOutput, shard.NowMs))
        {
            // Redis frees such a client asynchronously and says nothing to it; its loop closes it on the next flush.
            s.Client.Killed = true;
        }
        s.Host?.OnSessionResumed(s);
        return 1;
    }
}
