using System;
using System.Collections.Generic;
using System.Threading;

namespace FastKv.Engine;

/// <summary>
/// Redis's PrefixTable: the prefixes BCAST clients registered, server-wide, and who registered each. Registrations
/// change under a lock (CLIENT TRACKING is rare) and replace the whole array, so a shard that modified a key reads
/// the current array without a lock; <see cref="Any"/> is the one test a write pays when nobody uses BCAST.
/// <para>
/// Redis gathers the keys of a prefix modified during one event-loop cycle and sends them in one message before
/// it sleeps; FastKv sends one message per modified key, as the shard that owns it modifies it.
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

    /// <summary>
    /// A key changed on <paramref name="shard"/>: each BCAST client with a prefix of the key is told, except the
    /// modifying client itself in NOLOOP mode; the modifying client's own message follows its reply.
    /// </summary>
    public void KeyModified(Shard shard, ReadOnlySpan<byte> key, ClientTracking? caller)
    {
        byte[]? frame = null;
        foreach (Entry e in Volatile.Read(ref entries))
        {
            if (!key.StartsWith(e.Prefix)) continue;
            foreach (ClientTracking t in e.Clients)
            {
                if (!t.On || !t.Bcast) continue;
                frame ??= TrackingDelivery.KeysFrame(key);
                if (t == caller)
                {
                    if (!t.NoLoop) t.Defer(frame);
                    continue;
                }
                TrackingDelivery.Send(shard, t, frame);
            }
        }
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
