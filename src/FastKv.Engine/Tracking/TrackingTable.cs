using System;
using System.Collections.Generic;

namespace FastKv.Engine;

/// <summary>
/// One shard's part of Redis's TrackingTable: for each key of this shard that a tracking client read, the ids of
/// those clients (keyed by the key's bytes alone, not its database, as in Redis). Only this shard's thread touches
/// it. A read-only command run for a tracking client (not BCAST) remembers its keys (<see cref="Remember"/>);
/// the modified-key signal (<see cref="KeyEvents"/>) invalidates them (<see cref="Invalidate"/>): every client
/// that read the key gets one invalidation and the key is forgotten until read again. BCAST clients are served
/// from <see cref="TrackingPrefixes"/> instead.
/// </summary>
public sealed class TrackingTable
{
    readonly Shard shard;
    readonly Dictionary<byte[], HashSet<long>> keys = new(ChannelComparer.Instance);
    readonly Dictionary<byte[], HashSet<long>>.AlternateLookup<ReadOnlySpan<byte>> lookup;

    /// <summary>The tracking state of the client whose command runs now (Redis's current_client), or null.</summary>
    public ClientTracking? Caller;
    /// <summary>Keys modified here this loop iteration that a BCAST prefix matches, with who modified each (<see cref="TrackingPrefixes.Broadcast"/>).</summary>
    public readonly List<(byte[] Key, ClientTracking? By)> BcastKeys = new();
    /// <summary>The caller of the request from another shard being run now (set around it by <see cref="RemoteRequest"/>).</summary>
    public ClientTracking? RemoteCaller;

    public TrackingTable(Shard shard)
    {
        this.shard = shard;
        lookup = keys.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>Keys remembered on this shard (0 on the fast path).</summary>
    public int Count => keys.Count;
    /// <summary>(key, client) pairs remembered on this shard (INFO tracking_total_items).</summary>
    public long Items;

    /// <summary>Whether a write must look here: keys are remembered, or some client tracks by prefix.</summary>
    public bool Active => keys.Count != 0 || shard.Server.TrackingPrefixes.Any;

    /// <summary>
    /// trackingRememberKeys after a read-only command of <paramref name="caller"/>: unless OPTIN without CACHING YES
    /// or OPTOUT with CACHING NO, each key of the command is remembered for the caller (missing keys too).
    /// </summary>
    public void Remember(ref CommandContext c, ClientTracking caller)
    {
        if (!caller.On || caller.Bcast) return;
        if ((caller.OptIn && !caller.Caching) || (caller.OptOut && caller.Caching)) return;
        if ((c.Spec.Flags & CommandFlags.PubSub) != 0) return;
        Span<int> pos = stackalloc int[64];
        int n = CommandTable.GetKeys(c.Spec, c.Buffer, c.Args, pos);
        if (n > pos.Length)
        {
            pos = new int[n];
            n = CommandTable.GetKeys(c.Spec, c.Buffer, c.Args, pos);
        }
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<byte> key = c.Arg(pos[i]);
            if (!lookup.TryGetValue(key, out HashSet<long>? ids)) keys[key.ToArray()] = ids = new HashSet<long>();
            if (ids.Add(caller.Id)) Items++;
        }
    }

    /// <summary>
    /// trackingInvalidateKey: <paramref name="key"/> changed. Every client that read it and still tracks (not in
    /// BCAST mode) is told, except the caller itself in NOLOOP mode; the caller's own invalidation waits until its
    /// reply is out. Then the BCAST prefixes covering the key record it.
    /// </summary>
    public void Invalidate(ReadOnlySpan<byte> key)
    {
        ClientTracking? caller = Caller;
        if (keys.Count != 0 && lookup.TryGetValue(key, out HashSet<long>? ids))
        {
            byte[] frame = TrackingDelivery.KeysFrame(key);
            foreach (long id in ids)
            {
                if (!shard.Server.Clients.TryGetValue(id, out Client? client)) continue;
                ClientTracking? t = client.Tracking;
                if (t == null || !t.On || t.Bcast) continue;
                if (t == caller)
                {
                    if (!t.NoLoop) t.Defer(frame);
                    continue;
                }
                TrackingDelivery.Send(shard, t, frame);
            }
            Items -= ids.Count;
            lookup.Remove(key, out _, out _);
        }
        if (shard.Server.TrackingPrefixes.Any) shard.Server.TrackingPrefixes.KeyModified(shard, key, caller);
    }

    /// <summary>
    /// After a command of a tracking client (<see cref="Executor.Invoke"/>): a read-only command's keys are
    /// remembered (a script's calls' too); CLIENT CACHING's flag is spent by any command but CLIENT itself, unless a
    /// transaction or a script runs;
    /// and the client's invalidations of its own keys go out after the reply written just now.
    /// </summary>
    public static void AfterCommand(ref CommandContext c, ClientTracking caller)
    {
        // A read-only script (EVAL_RO, FCALL_RO) is not itself remembered: the keys its calls read are (Redis's call()).
        if ((c.Spec.Flags & CommandFlags.ReadOnly) != 0 && c.Spec.Cross != CrossShard.Script) c.Shard.Tracking.Remember(ref c, caller);
        bool inTransaction = c.InExec;
        // CLIENT CACHING's flag lasts for the whole of the client's command: a script's calls do not spend it.
        if (caller.Caching && !inTransaction && !c.Shard.InScript && c.Spec.Parent?.KeepsTrackingCaching != true) caller.Caching = false;
        if (c.Client != null && caller.HasPending && !inTransaction) caller.FlushPending(c.Shard);
    }

    /// <summary>
    /// FLUSHDB/FLUSHALL on this shard: Redis forgets every remembered key (of every database, even for FLUSHDB),
    /// and every tracking client hears once (the shard-0 part sends) that everything is invalid.
    /// </summary>
    public static void Flushed(ref CommandContext c)
    {
        c.Shard.Tracking.keys.Clear();
        c.Shard.Tracking.Items = 0;
        if (c.Shard.Id == 0) TrackingDelivery.Flushed(c.Shard, c.Shard.Tracking.Caller);
    }
}
