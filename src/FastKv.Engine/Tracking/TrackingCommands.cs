using System;
using System.Collections.Generic;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO (Redis's client-side caching, networking.c and tracking.c):
/// they change the calling connection's <see cref="ClientTracking"/> on its home shard. Registered under CLIENT.
/// </summary>
public static unsafe class TrackingCommands
{
    public static void Register(CommandTable t)
    {
        CommandSpec client = t.Find("client"u8)!;
        t.AddSub(client, "tracking", &Tracking);
        t.AddSub(client, "caching", &Caching);
        t.AddSub(client, "getredir", &GetRedir);
        t.AddSub(client, "trackinginfo", &TrackingInfo);
    }

    /// <summary>CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP].</summary>
    static void Tracking(ref CommandContext c)
    {
        Client cl = c.Client!;
        ServerState server = c.Shard.Server;
        long redirect = 0;
        bool bcast = false, optin = false, optout = false, noloop = false;
        var prefixes = new List<byte[]>();
        for (int j = 3; j < c.Count; j++)
        {
            bool more = j + 1 < c.Count;
            if (c.ArgIs(j, "redirect"u8) && more)
            {
                j++;
                if (redirect != 0)
                {
                    c.Error("ERR A client can only redirect to a single other client");
                    return;
                }
                if (!c.TryInt(j, out redirect)) return;
                // The target must exist now, though it may go away later (then the redirect is "broken").
                if (!server.Clients.ContainsKey(redirect))
                {
                    c.Error("ERR The client ID you want redirect to does not exist");
                    return;
                }
            }
            else if (c.ArgIs(j, "bcast"u8)) bcast = true;
            else if (c.ArgIs(j, "optin"u8)) optin = true;
            else if (c.ArgIs(j, "optout"u8)) optout = true;
            else if (c.ArgIs(j, "noloop"u8)) noloop = true;
            else if (c.ArgIs(j, "prefix"u8) && more) prefixes.Add(c.Arg(++j).ToArray());
            else
            {
                c.Error(Errors.Syntax);
                return;
            }
        }
        ClientTracking? t = cl.Tracking;
        if (c.ArgIs(2, "off"u8))
        {
            if (t != null) Disable(server, t);
            c.W.Ok();
            return;
        }
        if (!c.ArgIs(2, "on"u8))
        {
            c.Error(Errors.Syntax);
            return;
        }
        bool on = t != null && t.On;
        if (!bcast && prefixes.Count > 0) { c.Error("ERR PREFIX option requires BCAST mode to be enabled"); return; }
        if (on && t!.Bcast != bcast)
        {
            c.Error("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
            return;
        }
        if (bcast && (optin || optout)) { c.Error("ERR OPTIN and OPTOUT are not compatible with BCAST"); return; }
        if (optin && optout) { c.Error("ERR You can't specify both OPTIN mode and OPTOUT mode"); return; }
        if (on && ((optin && t!.OptOut) || (optout && t!.OptIn)))
        {
            c.Error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
            return;
        }
        if (bcast && !PrefixesOk(ref c, t, prefixes, out bool alsoEnable) && !alsoEnable) return;
        t ??= cl.Tracking = new ClientTracking(cl);
        t.On = true;
        t.BrokenRedirect = false;
        t.RedirectId = redirect;
        t.OptIn = optin;
        t.OptOut = optout;
        t.NoLoop = noloop;
        t.Bcast = bcast;
        if (bcast)
        {
            if (prefixes.Count == 0) server.TrackingPrefixes.Add(t, Array.Empty<byte>());
            foreach (byte[] p in prefixes) server.TrackingPrefixes.Add(t, p);
        }
        c.W.Ok();
    }

    /// <summary>
    /// checkPrefixCollisionsOrReply: no new prefix may be a prefix of, or have as prefix, one the client has or
    /// another new one. Redis 7.2 reports a clash between two new prefixes but, past the first of them, goes on
    /// to enable tracking and reply OK as well (<paramref name="alsoEnable"/>); FastKv matches that reply.
    /// </summary>
    static bool PrefixesOk(ref CommandContext c, ClientTracking? t, List<byte[]> prefixes, out bool alsoEnable)
    {
        alsoEnable = false;
        for (int i = 0; i < prefixes.Count; i++)
        {
            if (t != null)
                foreach (byte[] old in t.Prefixes)
                    if (Overlap(old, prefixes[i]))
                    {
                        c.Error("ERR Prefix '" + Text(prefixes[i]) + "' overlaps with an existing prefix '" + Text(old) +
                                "'. Prefixes for a single client must not overlap.");
                        return false;
                    }
            for (int j = i + 1; j < prefixes.Count; j++)
                if (Overlap(prefixes[i], prefixes[j]))
                {
                    c.Error("ERR Prefix '" + Text(prefixes[i]) + "' overlaps with another provided prefix '" + Text(prefixes[j]) +
                            "'. Prefixes for a single client must not overlap.");
                    alsoEnable = i > 0;
                    return false;
                }
        }
        return true;
    }

    static bool Overlap(byte[] a, byte[] b)
    {
        int n = Math.Min(a.Length, b.Length);
        return a.AsSpan(0, n).SequenceEqual(b.AsSpan(0, n));
    }

    /// <summary>Redis formats the prefixes with %s: the text stops at a zero byte.</summary>
    static string Text(byte[] p)
    {
        int z = Array.IndexOf(p, (byte)0);
        return Executor.Sanitize(z < 0 ? p : p.AsSpan(0, z), int.MaxValue);
    }

    /// <summary>disableTracking: leaves the BCAST prefixes and clears every tracking flag.</summary>
    public static void Disable(ServerState server, ClientTracking t)
    {
        if (t.Bcast) server.TrackingPrefixes.RemoveAll(t);
        if (!t.On) return;
        t.On = t.Bcast = t.OptIn = t.OptOut = t.NoLoop = t.Caching = false;
        t.BrokenRedirect = false;
    }

    static void Caching(ref CommandContext c)
    {
        ClientTracking? t = c.Client!.Tracking;
        if (t == null || !t.On)
        {
            c.Error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
            return;
        }
        if (c.ArgIs(2, "yes"u8))
        {
            if (!t.OptIn) { c.Error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."); return; }
        }
        else if (c.ArgIs(2, "no"u8))
        {
            if (!t.OptOut) { c.Error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."); return; }
        }
        else
        {
            c.Error(Errors.Syntax);
            return;
        }
        t.Caching = true;
        c.W.Ok();
    }

    static void GetRedir(ref CommandContext c)
    {
        ClientTracking? t = c.Client!.Tracking;
        c.W.Integer(t != null && t.On ? t.RedirectId : -1);
    }

    static void TrackingInfo(ref CommandContext c)
    {
        ClientTracking? t = c.Client!.Tracking;
        bool on = t != null && t.On;
        var flags = new List<string> { on ? "on" : "off" };
        if (t != null)
        {
            if (t.Bcast) flags.Add("bcast");
            if (t.OptIn) { flags.Add("optin"); if (t.Caching) flags.Add("caching-yes"); }
            if (t.OptOut) { flags.Add("optout"); if (t.Caching) flags.Add("caching-no"); }
            if (t.NoLoop) flags.Add("noloop");
            if (t.BrokenRedirect) flags.Add("broken_redirect");
        }
        RespWriter w = c.W;
        w.MapHeader(3);
        w.Bulk("flags"u8);
        w.SetHeader(flags.Count);
        foreach (string f in flags) w.Bulk(System.Text.Encoding.ASCII.GetBytes(f));
        w.Bulk("redirect"u8);
        w.Integer(on ? t!.RedirectId : -1);
        w.Bulk("prefixes"u8);
        int n = t?.Prefixes.Count ?? 0;
        w.ArrayHeader(n);
        for (int i = 0; i < n; i++) w.Bulk(t!.Prefixes[i]);
    }
}
