using System;
using System.Collections.Generic;

namespace FastKv.Engine;

/// <summary>
/// Sends invalidation messages (Redis's sendTrackingMessage). An invalidation for a tracking client goes to the
/// client it redirects to, if any, else to itself, and is written by that client's home shard: directly when that
/// is the sending shard, otherwise through a <see cref="TrackingMessage"/> on its mailbox. A RESP3 connection gets
/// a <c>&gt;invalidate</c> push; a RESP2 connection only as a redirect target in subscriber mode, as a message on
/// <c>__redis__:invalidate</c>; anything else gets nothing, as in Redis.
/// </summary>
public static class TrackingDelivery
{
    static ReadOnlySpan<byte> Push3 => ">2\r\n$10\r\ninvalidate\r\n"u8;
    static ReadOnlySpan<byte> Message2 => "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"u8;

    /// <summary>The value of an invalidation for one key: a one-element array.</summary>
    public static byte[] KeysFrame(ReadOnlySpan<byte> key)
    {
        var o = new FastKv.Protocol.OutputBuffer(key.Length + 24);
        RespEncode.Header(o, (byte)'*', 1);
        RespEncode.Bulk(o, key);
        return o.Written.ToArray();
    }

    /// <summary>The value of an invalidation for several keys (a BCAST message).</summary>
    public static byte[] KeysFrame(List<byte[]> keys)
    {
        int size = 16;
        foreach (byte[] k in keys) size += k.Length + 16;
        var o = new FastKv.Protocol.OutputBuffer(size);
        RespEncode.Header(o, (byte)'*', keys.Count);
        foreach (byte[] k in keys) RespEncode.Bulk(o, k);
        return o.Written.ToArray();
    }

    /// <summary>
    /// Sends the invalidation <paramref name="keys"/> (an encoded array of keys, or null for "everything": a flush)
    /// of tracking client <paramref name="t"/>; callable from any shard's thread (<paramref name="from"/>).
    /// </summary>
    public static void Send(Shard from, ClientTracking t, byte[]? keys)
    {
        ServerState server = from.Server;
        Client dest = t.Client;
        bool redirected = false;
        if (t.RedirectId != 0)
        {
            if (!server.Clients.TryGetValue(t.RedirectId, out Client? r))
            {
                // The original connection learns that its invalidations have nowhere to go (RESP3 only).
                t.BrokenRedirect = true;
                if (t.Client.Protocol == 3) Post(from, t.Client, new TrackingMessage(t.Client, BrokenFrame(t.RedirectId), false, 0, true));
                return;
            }
            dest = r;
            redirected = true;
        }
        Post(from, dest, new TrackingMessage(dest, keys, redirected, t.Client.Protocol, false));
    }

    /// <summary>
    /// Delivers on this shard at once, unless messages wait in its mailbox: an invalidation another shard sent
    /// earlier (before the write that caused this one was even sent) may be among them, and the client must see
    /// invalidations in the order of the writes, as from Redis. Then this one queues behind them.
    /// </summary>
    static void Post(Shard from, Client dest, TrackingMessage m)
    {
        if (dest.ShardId == from.Id && from.Mailbox.IsEmpty) m.Run(from);
        else from.Server.Shards[dest.ShardId].Mailbox.Post(m);
    }

    static byte[] BrokenFrame(long id) => System.Text.Encoding.ASCII.GetBytes(">2\r\n$21\r\ntracking-redir-broken\r\n:" + id + "\r\n");

    /// <summary>
    /// Writes an invalidation to <paramref name="dest"/>'s connection on its home shard. <paramref name="nullProtocol"/>
    /// is the tracking client's protocol, which picks the null of a flush (Redis's shared.null[c->resp]).
    /// </summary>
    internal static void Write(Client dest, byte[]? keys, bool redirected, int nullProtocol, bool raw)
    {
        Session? s = dest.Session;
        if (s == null || s.Closed || dest.Killed) return;
        if (!redirected && !raw && s.Waiting && s.Blocked == null && dest.Tracking != null)
        {
            // The client's own command is still out on other shards: its invalidation follows that command's reply.
            dest.Tracking.Defer(keys);
            return;
        }
        FastKv.Protocol.RespWriter w = s.W;
        if (raw)
        {
            w.Raw(keys);
        }
        else
        {
            if (dest.Protocol == 3) w.Raw(Push3);
            else if (redirected && Commands.PubSubCommands.InSubscriberMode(dest)) w.Raw(Message2);
            else return;
            if (keys != null) w.Raw(keys);
            else w.Raw(nullProtocol == 3 ? "_\r\n"u8 : "$-1\r\n"u8);
        }
        s.Host?.OnSessionResumed(s);
    }

    /// <summary>
    /// trackingInvalidateKeysOnFlush: every tracking client is told that everything is invalid (a null value);
    /// the flushing client itself after its reply. Runs once per FLUSHDB/FLUSHALL.
    /// </summary>
    public static void Flushed(Shard from, ClientTracking? caller)
    {
        foreach (Client c in from.Server.Clients.Values)
        {
            ClientTracking? t = c.Tracking;
            if (t == null || !t.On) continue;
            if (t == caller) t.Defer(null);
            else Send(from, t, null);
        }
    }
}

/// <summary>An invalidation travelling to the home shard of the connection that receives it.</summary>
public sealed class TrackingMessage : ShardMessage
{
    readonly Client dest;
    readonly byte[]? keys;
    readonly bool redirected;
    readonly int nullProtocol;
    readonly bool raw;

    public TrackingMessage(Client dest, byte[]? keys, bool redirected, int nullProtocol, bool raw)
    {
        this.dest = dest;
        this.keys = keys;
        this.redirected = redirected;
        this.nullProtocol = nullProtocol;
        this.raw = raw;
    }

    public override void Run(Shard shard) => TrackingDelivery.Write(dest, keys, redirected, nullProtocol, raw);
}
