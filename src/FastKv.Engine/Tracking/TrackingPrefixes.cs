using System;
using System.Collections.Generic;
using System.Threading;

namespace FastKv.Engine;

/// <summary>
/// Redis's PrefixTable: the prefixes BCAST clients registered, server-wide, and who registered each. Registrations
/// change under a lock (CLIENT TRACKING is rare) and replace the whole array, so a shard that modified a key reads
/// the current array without a lock; <see cref="Any"/> is the one test a write pays when nobody uses BCAST.
/// <para>
/// As Redis gathers the keys of a prefix modified during one event-loop cycle and sends them in one message before
/// it sleeps (trackingBroadcastInvalidationMessages), each shard gathers the keys it modified during one iteration of
/// its loop (<see cref="TrackingTable.BcastKeys"/>) and <see cref="Broadcast"/> sends them at its end: one message
/// per prefix and client, keys in byte order, once each; a NOLOOP client's own last writes left out.
/// </para>
/// </summary>
public sealed class TrackingPrefixes
{
    sealed record Entry(byte[] Prefix, ClientTracking[] Clients);

    readonly object gate = new();
    Entry[] entries = Array.Empty<Entry>();

    public bool Any => Volatile.Read(ref entries).Length != 0;

    /// <summary>Prefixes registered by at least one client (INFO tracking_total_prefixes).</summary>
    public int Count => Volatile.Read(ref entries).Length;

    /// <summary>Clients with tracking on (INFO tracking_clients).</summary>
    public static long TrackingClients(ServerState server)
    {
        long n = 0;
        foreach (Client c in server.Clients.Values)
            if (c.Tracking is { On: true }) n++;
        return n;
    }

    public void Add(ClientTracking t, byte[] prefix)
    {
        lock (gate)
        {
            var next = new List<Entry>(entries);
            int at = next.FindIndex(e => e.Prefix.AsSpan().SequenceEqual(prefix));
            if (at < 0) next.Add(new Entry(prefix, new[] { t }));
            else if (Array.IndexOf(next[at].Clients, t) < 0) next[at] = next[at] with { Clients = [.. next[at].Clients, t] };
            else return;
            Volatile.Write(ref entries, next.ToArray());
        }
        InsertSorted(t.Prefixes, prefix);
    }

    /// <summary>disableTracking for a BCAST client: leaves every prefix it registered.</summary>
    public void RemoveAll(ClientTracking t)
    {
        if (t.Prefixes.Count == 0) return;
        lock (gate)
        {
            var next = new List<Entry>();
            foreach (Entry e in entries)
            {
                if (Array.IndexOf(e.Clients, t) < 0) { next.Add(e); continue; }
                var rest = Array.FindAll(e.Clients, x => x != t);
                if (rest.Length > 0) next.Add(e with { Clients = rest });
            }
            Volatile.Write(ref entries, next.ToArray());
        }
        t.Prefixes.Clear();
    }

    /// <summary>A key changed on <paramref name="shard"/>: kept for this iteration's broadcast when a prefix matches it.</summary>
    public void KeyModified(Shard shard, ReadOnlySpan<byte> key, ClientTracking? caller)
    {
        foreach (Entry e in Volatile.Read(ref entries))
        {
            if (!key.StartsWith(e.Prefix)) continue;
            // A script's writes are its Lua client's to Redis, not its caller's: NOLOOP does not hide them.
            shard.Tracking.BcastKeys.Add((key.ToArray(), shard.InScript ? null : caller));
            return;
        }
    }

    /// <summary>
    /// End of <paramref name="shard"/>'s loop iteration: each BCAST client of a prefix is told the keys with that prefix
    /// the iteration modified, in one message; a NOLOOP client is not told of the keys it modified last itself.
    /// </summary>
    public void Broadcast(Shard shard)
    {
        var pending = shard.Tracking.BcastKeys;
        // Redis's rax of keys: byte order, each key once, holding the client that modified it last.
        var byKey = new SortedDictionary<byte[], ClientTracking?>(ByteOrder.Instance);
        foreach (var (key, by) in pending) byKey[key] = by;
        pending.Clear();
        var keys = new List<byte[]>();
        foreach (Entry e in Volatile.Read(ref entries))
        {
            keys.Clear();
            foreach (byte[] k in byKey.Keys)
                if (k.AsSpan().StartsWith(e.Prefix)) keys.Add(k);
            if (keys.Count == 0) continue;
            byte[]? all = null;
            foreach (ClientTracking t in e.Clients)
            {
                if (!t.On || !t.Bcast) continue;
                if (!t.NoLoop)
                {
                    TrackingDelivery.Send(shard, t, all ??= TrackingDelivery.KeysFrame(keys));
                    continue;
                }
                var others = keys.FindAll(k => byKey[k] != t);
                if (others.Count > 0) TrackingDelivery.Send(shard, t, TrackingDelivery.KeysFrame(others));
            }
        }
    }

    /// <summary>Keys in byte order (memcmp, shorter first on a tie), as Redis's radix tree walks them.</summary>
    sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();
        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }

    /// <summary>Keeps a client's prefixes in byte order, as Redis's radix tree lists them in TRACKINGINFO.</summary>
    static void InsertSorted(List<byte[]> list, byte[] prefix)
    {
        int i = 0;
        while (i < list.Count && list[i].AsSpan().SequenceCompareTo(prefix) < 0) i++;
        if (i < list.Count && list[i].AsSpan().SequenceEqual(prefix)) return;
        list.Insert(i, prefix);
    }
}
