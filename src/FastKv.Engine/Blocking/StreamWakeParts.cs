using System;
using System.Collections.Generic;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// A blocked XREAD or XREADGROUP whose keys live on several shards, served by the shard of the key a write made ready.
/// Redis runs the whole command again when it wakes such a client, so the reply lists every named stream that has new
/// data then, in argument order: two entries added on two shards by one EXEC or one script both come back. The serving
/// shard wrote its part (its own keys); this message visits each other shard of the keys in turn, which adds its part
/// (XREAD after the IDs the waiter resolved there, or XREADGROUP over that shard's keys), and the last one merges the
/// parts in argument order and hands the reply home.
/// <para>
/// The waiter stays claimed by the serving shard all along, so no other shard serves it meanwhile, and its home leaves it
/// alone (timeout, disconnect) until the reply arrives. A transaction writes all its shards before any of them serves a
/// waiter (its keys stay locked until the last shard is done), so the entries it added elsewhere are there when the
/// message arrives.
/// </para>
/// </summary>
public sealed class StreamWakeParts : ShardMessage
{
    readonly BlockedClient w;
    readonly List<byte[]> parts = new();
    readonly List<Shard> rest = new();
    byte[]? error;

    StreamWakeParts(BlockedClient w) => this.w = w;

    /// <summary>
    /// The waiter was served on <paramref name="serving"/> (its part is in <see cref="BlockedClient.Reply"/>): gathers the
    /// other shards' parts, then completes it. The waiter is claimed and already unregistered on the serving shard.
    /// </summary>
    internal static void Start(BlockedClient w, Shard serving)
    {
        var m = new StreamWakeParts(w);
        m.parts.Add(w.Reply.Output.Written.ToArray());
        foreach (Shard s in w.Shards)
            if (s != serving) m.rest.Add(s);
        m.Forward();
    }

    public override void Run(Shard shard)
    {
        BlockingPlan plan = w.Plan;
        ShardBlocking b = shard.Blocking;
        if (Locked(shard))
        {
            // A transaction is under way on one of these keys (maybe the one whose entries woke the client, its locks
            // not yet released here): this part waits for its end, so it sees all of it or nothing of it.
            b.ParkUntilUnlocked(this);
            return;
        }
        var part = new RespWriter(new OutputBuffer()) { Protocol = w.Reply.Protocol };
        bool any;
        if (plan.Kind == BlockKind.StreamRead) any = Commands.StreamCommands.ServeBlocked(shard, plan.Db, plan, part);
        else
        {
            int first = Array.FindIndex(plan.Keys, k => shard.Server.ShardOf(k) == shard);
            any = first >= 0 && Blocking.TryServe(shard, null, plan.Db, plan, first, part);
        }
        if (any)
        {
            byte[] reply = part.Output.Written.ToArray();
            // XREADGROUP run again answers the error of a key whose group or stream is gone, whatever the others hold.
            if (ReplyFrames.IsError(reply)) error ??= reply;
            else parts.Add(reply);
        }
        b.ServePending();
        Forward();
    }

    /// <summary>Whether a granted transaction lock covers one of the waiter's keys on this shard.</summary>
    bool Locked(Shard shard)
    {
        if (!shard.Locks.Active) return false;
        foreach (byte[] k in w.Plan.Keys)
            if (shard.Server.ShardOf(k) == shard && shard.Locks.Blocks(TxLock.KeyId(w.Plan.Db, FastKv.Memory.KeyHash.Hash(k)), true, 0))
                return true;
        return false;
    }

    /// <summary>On to the next shard of the keys, or, after the last, the merged reply home.</summary>
    void Forward()
    {
        if (rest.Count > 0)
        {
            Shard next = rest[^1];
            rest.RemoveAt(rest.Count - 1);
            next.Mailbox.Post(this);
            return;
        }
        RespWriter reply = w.Reply;
        reply.Output.Clear();
        if (error != null) reply.Raw(error);
        else Merge(reply);
        w.Served();
    }

    /// <summary>The parts' streams, each a [key, entries] pair (a map entry in RESP3), in the order the command names them.</summary>
    void Merge(RespWriter reply)
    {
        bool resp3 = reply.Protocol == 3;
        var streams = new List<(int Index, byte[] Part, int Start, int Length)>();
        foreach (byte[] p in parts)
        {
            int pos = ReplyFrames.Elements(p, out long count);
            for (long i = 0; i < count; i++)
            {
                int start = pos;
                ReadOnlySpan<byte> key = KeyOf(p, resp3 ? pos : pos + 4);
                ReplyFrames.Skip(p, ref pos);
                if (resp3) ReplyFrames.Skip(p, ref pos);
                streams.Add((IndexOf(key), p, start, pos - start));
            }
        }
        // Stable: a key named twice keeps its two places in the order its shard wrote them.
        for (int i = 1; i < streams.Count; i++)
            for (int j = i; j > 0 && streams[j - 1].Index > streams[j].Index; j--)
                (streams[j - 1], streams[j]) = (streams[j], streams[j - 1]);
        if (resp3) reply.MapHeader(streams.Count);
        else reply.ArrayHeader(streams.Count);
        foreach (var s in streams) reply.Raw(s.Part.AsSpan(s.Start, s.Length));
    }

    /// <summary>The bytes of the bulk string at <paramref name="pos"/> (a key, written by this server: "$n\r\nkey\r\n").</summary>
    static ReadOnlySpan<byte> KeyOf(byte[] p, int pos)
    {
        int header = Array.IndexOf(p, (byte)'\r', pos);
        RespNumber.TryParseInt64(p.AsSpan(pos + 1, header - pos - 1), out long n);
        return p.AsSpan(header + 2, (int)n);
    }

    int IndexOf(ReadOnlySpan<byte> key)
    {
        byte[][] keys = w.Plan.Keys;
        for (int i = 0; i < keys.Length; i++)
            if (key.SequenceEqual(keys[i])) return i;
        return keys.Length;
    }
}
