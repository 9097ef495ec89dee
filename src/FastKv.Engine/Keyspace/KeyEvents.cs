using System;
using System.Runtime.CompilerServices;

namespace FastKv.Engine;

/// <summary>
/// Redis's keyspace notification classes (notify.c NOTIFY_*), the bits of <c>notify-keyspace-events</c>.
/// </summary>
public static class NotifyClass
{
    public const int Keyspace = 1 << 0;   // K
    public const int Keyevent = 1 << 1;   // E
    public const int Generic = 1 << 2;    // g
    public const int String = 1 << 3;     // $
    public const int List = 1 << 4;       // l
    public const int Set = 1 << 5;        // s
    public const int Hash = 1 << 6;       // h
    public const int ZSet = 1 << 7;       // z
    public const int Expired = 1 << 8;    // x
    public const int Evicted = 1 << 9;    // e
    public const int Stream = 1 << 10;    // t
    public const int KeyMiss = 1 << 11;   // m
    public const int Loaded = 1 << 12;    // module only
    public const int Module = 1 << 13;    // d
    public const int New = 1 << 14;       // n
}

/// <summary>Receives the (channel, message) pairs a shard publishes as notifications (tests only).</summary>
public delegate void NotificationSink(ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message);

/// <summary>
/// One shard's signal that a key was modified: Redis's <c>signalModifiedKey</c> (WATCH invalidation,
/// <see cref="WatchRegistry"/>, and client-side caching invalidation, <see cref="TrackingTable"/>) together with <c>notifyKeyspaceEvent</c> (keyspace notifications published
/// through <see cref="PubSubHub"/>). Commands call it where Redis calls those two, with Redis's class and
/// event name, through <see cref="CommandContext.Modified"/>. When no client watches a key of this shard and
/// notifications are off, the cost is one test.
/// </summary>
public sealed class KeyEvents
{
    static ReadOnlySpan<byte> KeyspacePrefix => "__keyspace@"u8;
    static ReadOnlySpan<byte> KeyeventPrefix => "__keyevent@"u8;
    static ReadOnlySpan<byte> DbSuffix => "__:"u8;

    readonly Shard shard;
    /// <summary>Where channel names are built; grows to the longest key seen, then is reused.</summary>
    byte[] channel = new byte[128];

    /// <summary>When set, notifications go here instead of to <see cref="PubSubHub"/> (engine tests).</summary>
    public NotificationSink? Sink;

    public KeyEvents(Shard shard) => this.shard = shard;

    /// <summary>False on the fast path: nobody watches a key of this shard and notifications are off.</summary>
    public bool Active
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => shard.Watches.Count != 0 || shard.Server.Config.NotifyKeyspaceEvents != 0 || shard.Tracking.Active;
    }

    /// <summary>
    /// The key <paramref name="key"/> of database <paramref name="db"/> was modified by an event of class
    /// <paramref name="cls"/> named <paramref name="evt"/>: touches its watchers and publishes the
    /// notification when the configured classes ask for it. A scratch database (index -1, the gathered
    /// copies of a cross-shard command) has no watchers and no notifications of its own.
    /// </summary>
    public void Modified(int db, ReadOnlySpan<byte> key, int cls, ReadOnlySpan<byte> evt)
    {
        if (db < 0) return;
        if (shard.Watches.Count != 0) shard.Watches.Touch(db, key);
        if (shard.Tracking.Active) shard.Tracking.Invalidate(key);
        Notify(db, key, cls, evt);
    }

    /// <summary>signalModifiedKey alone: a write that Redis does not announce (the write-back of a cross-shard result).</summary>
    public void Touched(int db, ReadOnlySpan<byte> key)
    {
        if (db >= 0 && shard.Watches.Count != 0) shard.Watches.Touch(db, key);
        if (db >= 0 && shard.Tracking.Active) shard.Tracking.Invalidate(key);
    }

    /// <summary>
    /// notifyKeyspaceEvent: when the class is enabled, publishes <c>__keyspace@db__:key</c> with the event name (K)
    /// and then <c>__keyevent@db__:event</c> with the key (E). Without K and E nothing is sent.
    /// </summary>
    public void Notify(int db, ReadOnlySpan<byte> key, int cls, ReadOnlySpan<byte> evt)
    {
        int flags = shard.Server.Config.NotifyKeyspaceEvents;
        if ((flags & cls) == 0 || db < 0) return;
        if ((flags & NotifyClass.Keyspace) != 0)
            Publish(Channel(KeyspacePrefix, db, key), evt);
        if ((flags & NotifyClass.Keyevent) != 0)
            Publish(Channel(KeyeventPrefix, db, evt), key);
    }

    void Publish(ReadOnlySpan<byte> ch, ReadOnlySpan<byte> message)
    {
        if (Sink != null) Sink(ch, message);
        else shard.Server.PubSub.Publish(shard, ch, message);
    }

    /// <summary><c>prefix + db + "__:" + tail</c> in the scratch buffer (valid until the next call).</summary>
    ReadOnlySpan<byte> Channel(ReadOnlySpan<byte> prefix, int db, ReadOnlySpan<byte> tail)
    {
        int need = prefix.Length + 11 + DbSuffix.Length + tail.Length;
        if (channel.Length < need) channel = new byte[Math.Max(need, channel.Length * 2)];
        Span<byte> dst = channel;
        prefix.CopyTo(dst);
        int n = prefix.Length;
        db.TryFormat(dst[n..], out int written, default, System.Globalization.CultureInfo.InvariantCulture);
        n += written;
        DbSuffix.CopyTo(dst[n..]);
        n += DbSuffix.Length;
        tail.CopyTo(dst[n..]);
        return dst[..(n + tail.Length)];
    }
}
