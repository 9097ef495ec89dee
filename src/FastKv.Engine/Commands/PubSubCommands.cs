using System;
using System.Collections.Generic;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE PUBLISH SPUBLISH PUBSUB. Subscriptions
/// belong to the connection, so the (un)subscribe commands run on its home shard (SSUBSCRIBE names its channels
/// as keys for COMMAND INFO but is not routed by them); PUBLISH runs at home too and fans out through
/// <see cref="PubSubHub"/>; SPUBLISH runs on the shard that owns its channel's slot, like a key.
/// Confirmations are push frames: <c>*3</c> in RESP2, <c>&gt;3</c> in RESP3.
/// </summary>
public static unsafe class PubSubCommands
{

    public static void Register(CommandTable t)
    {
        t.Add("subscribe", &Subscribe).AllowedWhileSubscribed = true;
        t.Add("unsubscribe", &Unsubscribe).AllowedWhileSubscribed = true;
        t.Add("psubscribe", &PSubscribe).AllowedWhileSubscribed = true;
        t.Add("punsubscribe", &PUnsubscribe).AllowedWhileSubscribed = true;
        t.Add("ssubscribe", &SSubscribe, route: Route.Local).AllowedWhileSubscribed = true;
        t.Add("sunsubscribe", &SUnsubscribe, route: Route.Local).AllowedWhileSubscribed = true;
        // Redis's hidden may_replicate flag (not in COMMAND INFO): a publish reaches replicas even from a script.
        t.Add("publish", &Publish).Flags |= CommandFlags.MayReplicate;
        t.Add("spublish", &SPublish).Flags |= CommandFlags.MayReplicate;
        var pubsub = t.Add("pubsub", null);
        t.AddSub(pubsub, "channels", &Channels);
        t.AddSub(pubsub, "numsub", &NumSub);
        t.AddSub(pubsub, "help", &Help);
        t.AddSub(pubsub, "shardnumsub", &ShardNumSub);
        t.AddSub(pubsub, "numpat", &NumPat);
        t.AddSub(pubsub, "shardchannels", &ShardChannels);
    }

    /// <summary>What a RESP2 connection with subscriptions may still run (Redis's processCommand check).</summary>
    public static bool AllowedWhileSubscribed(CommandSpec spec) => spec.AllowedWhileSubscribed;

    /// <summary>Redis's error for any other command in RESP2 subscriber mode.</summary>
    public static string SubscriberModeError(CommandSpec spec) =>
        "ERR Can't execute '" + spec.FullName + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";

    /// <summary>True when the connection is in RESP2 subscriber mode (PING then answers <c>*2 pong ...</c>).</summary>
    public static bool InSubscriberMode(Client? client) => client != null && client.Protocol == 2 && client.PubSub is { Any: true };

    static void Subscribe(ref CommandContext c) => SubscribeAll(ref c, SubscriptionKind.Channel, "subscribe"u8);
    static void PSubscribe(ref CommandContext c) => SubscribeAll(ref c, SubscriptionKind.Pattern, "psubscribe"u8);
    static void SSubscribe(ref CommandContext c) => SubscribeAll(ref c, SubscriptionKind.Shard, "ssubscribe"u8);
    static void Unsubscribe(ref CommandContext c) => UnsubscribeAll(ref c, SubscriptionKind.Channel, "unsubscribe"u8);
    static void PUnsubscribe(ref CommandContext c) => UnsubscribeAll(ref c, SubscriptionKind.Pattern, "punsubscribe"u8);
    static void SUnsubscribe(ref CommandContext c) => UnsubscribeAll(ref c, SubscriptionKind.Shard, "sunsubscribe"u8);

    /// <summary>
    /// Where (un)subscribe confirmations go: the reply, or under CLIENT REPLY OFF / SKIP the client's pushes, which
    /// follow the (dropped) reply; Redis writes them with CLIENT_PUSHING, which the silence does not stop.
    /// </summary>
    static RespWriter ConfirmWriter(ref CommandContext c, Session session)
    {
        if (!session.Silenced) return c.W;
        RespWriter w = session.PushWriter;
        w.Protocol = c.W.Protocol;
        return w;
    }

    static void SubscribeAll(ref CommandContext c, SubscriptionKind kind, ReadOnlySpan<byte> verb)
    {
        Session session = c.Client!.Session!;
        PubSubHub hub = c.Shard.Server.PubSub;
        RespWriter w = ConfirmWriter(ref c, session);
        for (int i = 1; i < c.Count; i++)
        {
            hub.Subscribe(session, kind, c.Arg(i));
            Confirm(w, verb, c.Arg(i), c.Client!.PubSub!.CountFor(kind));
        }
    }

    static void UnsubscribeAll(ref CommandContext c, SubscriptionKind kind, ReadOnlySpan<byte> verb)
    {
        Session session = c.Client!.Session!;
        PubSubHub hub = c.Shard.Server.PubSub;
        Subscriptions? subs = c.Client.PubSub;
        RespWriter w = ConfirmWriter(ref c, session);
        if (c.Count > 1)
        {
            for (int i = 1; i < c.Count; i++)
            {
                hub.Unsubscribe(session, kind, c.Arg(i));
                Confirm(w, verb, c.Arg(i), subs?.CountFor(kind) ?? 0);
            }
            return;
        }
        if (subs == null || subs.Of(kind).Count == 0)
        {
            // Nothing to leave: one confirmation with a null channel, as Redis.
            w.PushHeader(3);
            w.Bulk(verb);
            w.NullBulk();
            w.Integer(subs?.CountFor(kind) ?? 0);
            return;
        }
        foreach (byte[] name in new List<byte[]>(subs.Of(kind)))
        {
            hub.Unsubscribe(session, kind, name);
            Confirm(w, verb, name, subs.CountFor(kind));
        }
    }

    static void Confirm(RespWriter w, ReadOnlySpan<byte> verb, ReadOnlySpan<byte> name, int count)
    {
        w.PushHeader(3);
        w.Bulk(verb);
        w.Bulk(name);
        w.Integer(count);
    }

    static void Publish(ref CommandContext c) => c.W.Integer(c.Shard.Server.PubSub.Publish(c.Shard, c.Arg(1), c.Arg(2)));

    static void SPublish(ref CommandContext c) => c.W.Integer(c.Shard.Server.PubSub.PublishShard(c.Shard, c.Arg(1), c.Arg(2)));

    static void Channels(ref CommandContext c) => ListChannels(ref c, false);
    static void ShardChannels(ref CommandContext c) => ListChannels(ref c, true);

    static void ListChannels(ref CommandContext c, bool shard)
    {
        if (c.Count > 3)
        {
            // Redis names the subcommand as it was typed.
            c.Error(Errors.UnknownSubcommandOrArgs(Executor.Sanitize(c.Arg(1), 128), "PUBSUB"));
            return;
        }
        List<byte[]> names = c.Shard.Server.PubSub.ActiveChannels(shard, c.Count == 3 ? c.Arg(2) : default, c.Count == 2);
        c.W.ArrayHeader(names.Count);
        foreach (byte[] n in names) c.W.Bulk(n);
    }

    static void NumSub(ref CommandContext c) => Counts(ref c, false);
    static void ShardNumSub(ref CommandContext c) => Counts(ref c, true);

    static void Counts(ref CommandContext c, bool shard)
    {
        PubSubHub hub = c.Shard.Server.PubSub;
        c.W.ArrayHeader((c.Count - 2) * 2);
        for (int i = 2; i < c.Count; i++)
        {
            c.W.Bulk(c.Arg(i));
            c.W.Integer(hub.NumSub(shard, c.Arg(i)));
        }
    }

    static void NumPat(ref CommandContext c) => c.W.Integer(c.Shard.Server.PubSub.PatternCount);

    static void Help(ref CommandContext c)
    {
        string[] lines =
        {
            "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
            "HELP",
            "    Print this help.",
        };
        c.W.ArrayHeader(lines.Length);
        foreach (string l in lines) c.W.Simple(l);
    }
}
