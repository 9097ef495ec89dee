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

/// <summary>
/// One shard's signal that a key was modified: Redis's <c>signalModifiedKey</c> (WATCH invalidation,
/// <see cref="WatchRegistry"/>) together with <c>notifyKeyspaceEvent</c> (keyspace notifications published
/// through <see cref="PubSubHub"/>). Commands call it where Redis calls those two, with Redis's class and
/// event name, through <see cref="CommandContext.Modified"/>. When no client watches a key of this shard and
/// notifications are off, the cost is one test.
/// </summary>
public sealed class KeyEvents
{
    readonly Shard shard;

    public KeyEvents(Shard shard) => this.shard = shard;

    /// <summary>False on the fast path: nobody watches a key of this shard and notifications are off.</summary>
    public bool Active
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => shard.Watches.Count != 0 || shard.Server.Config.NotifyKeyspaceEvents != 0;
    }

    /// <summary>
    /// The key <paramref name="key"/> of database <paramref name="db"/> was modified by an event of class
    /// <paramref name="cls"/> named <paramref name="evt"/>: touches its watchers and publishes the
    /// notification when the configured classes ask for it.
    /// </summary>
    public void Modified(int db, ReadOnlySpan<byte> key, int cls, ReadOnlySpan<byte> evt)
    {
        if (shard.Watches.Count != 0) shard.Watches.Touch(db, key);
        Notify(db, key, cls, evt);
    }

    /// <summary>notifyKeyspaceEvent alone (events that do not modify, such as keymiss).</summary>
    public void Notify(int db, ReadOnlySpan<byte> key, int cls, ReadOnlySpan<byte> evt)
    {
        int flags = shard.Server.Config.NotifyKeyspaceEvents;
        if ((flags & cls) == 0) return;
        // Publishing: filled in by the notifications work (channel names __keyspace@<db>__:<key> and
        // __keyevent@<db>__:<event>, published with shard.Server.PubSub.Publish from this shard).
    }
}
