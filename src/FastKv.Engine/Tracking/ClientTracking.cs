using System.Collections.Generic;

namespace FastKv.Engine;

/// <summary>
/// One client's CLIENT TRACKING state (Redis's CLIENT_TRACKING* flags, client_tracking_redirection and
/// client_tracking_prefixes). Created on the client's first CLIENT TRACKING and kept after OFF, because the
/// shards' <see cref="TrackingTable"/>s may still name the client (Redis leaves those ids too and skips a client
/// that is no longer tracking). Changed only by the client's own commands on its home shard; shards that run its
/// commands read it while the client waits for them, after the mailbox hand-off.
/// </summary>
public sealed class ClientTracking
{
    public readonly Client Client;
    public bool On;
    public bool Bcast;
    public bool OptIn;
    public bool OptOut;
    public bool NoLoop;
    /// <summary>CLIENT CACHING YES (OPTIN) or NO (OPTOUT) given for the next command.</summary>
    public bool Caching;
    /// <summary>The redirect client went away (TRACKINGINFO's broken_redirect).</summary>
    public volatile bool BrokenRedirect;
    /// <summary>Client id invalidations go to instead of this client; 0: none.</summary>
    public long RedirectId;
    /// <summary>BCAST prefixes, sorted as Redis's radix tree lists them.</summary>
    public readonly List<byte[]> Prefixes = new();

    /// <summary>
    /// Invalidations of keys this client modified itself while its command ran (null entry: a flush), sent after
    /// the command's reply as Redis's tracking_pending_keys. Filled by whichever shards run the command.
    /// </summary>
    readonly List<byte[]?> pending = new();

    public ClientTracking(Client client) => Client = client;

    public long Id => Client.Id;

    public void Defer(byte[]? keysFrame)
    {
        lock (pending) pending.Add(keysFrame);
    }

    /// <summary>trackingHandlePendingKeyInvalidations: sends what <see cref="Defer"/> collected, in order.</summary>
    public void FlushPending(Shard home)
    {
        if (pending.Count == 0) return;
        byte[]?[] items;
        lock (pending)
        {
            items = pending.ToArray();
            pending.Clear();
        }
        foreach (byte[]? keys in items) TrackingDelivery.Send(home, this, keys);
    }

    public bool HasPending => pending.Count != 0;

    /// <summary>
    /// The client's session resumes after work on other shards (its replies are out), or the transaction hook
    /// handled a command (MULTI, a queued command, an inline EXEC): CLIENT CACHING's flag is spent unless a MULTI
    /// is being queued, and the client's own invalidations follow the replies.
    /// </summary>
    public void AfterResume(Shard home)
    {
        if (Caching && Client.Multi is not { Queuing: true }) Caching = false;
        if (HasPending) FlushPending(home);
    }
}
