using System;
using System.Text;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// CLIENT and its subcommands (Redis's clientCommand in networking.c): the connection's own identity and
/// settings, and the list of every connection on every shard, which CLIENT LIST reports and CLIENT KILL closes.
/// </summary>
public static unsafe class ClientCommands
{
    public static void Register(CommandTable t)
    {
        var client = t.Add("client", null);
        client.KeepsTrackingCaching = true;
        t.AddSub(client, "id", &ClientId);
        t.AddSub(client, "setname", &ClientSetName);
        t.AddSub(client, "getname", &ClientGetName);
        t.AddSub(client, "list", &ClientList);
        t.AddSub(client, "info", &ClientInfo);
        t.AddSub(client, "kill", &ClientKill);
        t.AddSub(client, "setinfo", &ClientSetInfo);
        t.AddSub(client, "no-evict", &ClientNoEvict);
        t.AddSub(client, "no-touch", &ClientNoTouch);
        t.AddSub(client, "reply", &ClientReply);
        t.AddSub(client, "unblock", &ClientUnblock);
        t.AddSub(client, "pause", &ClientPauseCmd);
        t.AddSub(client, "unpause", &ClientUnpause);
        t.AddSub(client, "help", &ClientHelp);
    }

    static void ClientId(ref CommandContext c) => c.W.Integer(c.Client!.Id);

    static void ClientSetName(ref CommandContext c)
    {
        if (!ConnectionCommands.ValidName(c.Arg(2)))
        {
            c.Error(Errors.BadClientName);
            return;
        }
        c.Client!.Name = c.Arg(2).Length == 0 ? null : c.ArgString(2);
        c.W.Ok();
    }

    static void ClientGetName(ref CommandContext c)
    {
        if (c.Client!.Name == null) c.W.NullBulk();
        else c.W.Bulk(Encoding.UTF8.GetBytes(c.Client.Name));
    }

    static void ClientSetInfo(ref CommandContext c)
    {
        ReadOnlySpan<byte> v = c.Arg(3);
        foreach (byte b in v)
            if (b < '!' || b > '~')
            {
                c.Error("ERR " + (c.ArgIs(2, "lib-name"u8) ? "lib-name" : "lib-ver") + " cannot contain spaces, newlines or special characters.");
                return;
            }
        if (c.ArgIs(2, "lib-name"u8)) c.Client!.LibName = c.ArgString(3);
        else if (c.ArgIs(2, "lib-ver"u8)) c.Client!.LibVersion = c.ArgString(3);
        else
        {
            c.Error("ERR Unrecognized option '" + Executor.Sanitize(c.Arg(2), 128) + "'");
            return;
        }
        c.W.Ok();
    }

    /// <summary>ON or OFF (any case) into <paramref name="on"/>; false after replying Redis's syntax error.</summary>
    static bool OnOff(ref CommandContext c, out bool on)
    {
        on = c.ArgIs(2, "on"u8);
        if (on || c.ArgIs(2, "off"u8)) return true;
        c.Error(Errors.Syntax);
        return false;
    }

    /// <summary>CLIENT NO-EVICT: stored and shown (flag e); FastKv has no client eviction for it to exempt from yet.</summary>
    static void ClientNoEvict(ref CommandContext c)
    {
        if (!OnOff(ref c, out bool on)) return;
        c.Client!.NoEvict = on;
        c.W.Ok();
    }

    /// <summary>CLIENT NO-TOUCH: the client's commands, TOUCH excepted, leave keys' access time alone (<see cref="Executor.Invoke"/>).</summary>
    static void ClientNoTouch(ref CommandContext c)
    {
        if (!OnOff(ref c, out bool on)) return;
        c.Client!.NoTouch = on;
        c.W.Ok();
    }

    /// <summary>
    /// CLIENT REPLY ON|OFF|SKIP: OFF drops every reply from this command on, SKIP the next command's; ON answers +OK.
    /// The session carries it out (<see cref="Session.Silenced"/>): replies go to a sink, pushes still go out.
    /// </summary>
    static void ClientReply(ref CommandContext c)
    {
        Client cl = c.Client!;
        if (c.ArgIs(2, "on"u8))
        {
            cl.ReplyOff = false;
            cl.ReplySkip = false;
            cl.ReplySkipNext = false;
            // Silenced until now (OFF before this): ON's own +OK goes out, as Redis clears the flag before replying.
            if (cl.Session is { } s)
            {
                s.EndSilence();
                s.W.Ok();
            }
            else c.W.Ok();
        }
        else if (c.ArgIs(2, "off"u8)) cl.ReplyOff = true;
        else if (c.ArgIs(2, "skip"u8))
        {
            if (!cl.ReplyOff) cl.ReplySkipNext = true;
        }
        else c.Error(Errors.Syntax);
    }

    /// <summary>CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends another client's blocking command as a timeout would, or with -UNBLOCKED.</summary>
    static void ClientUnblock(ref CommandContext c)
    {
        bool error = false;
        if (c.Count == 4)
        {
            if (c.ArgIs(3, "error"u8)) error = true;
            else if (!c.ArgIs(3, "timeout"u8))
            {
                c.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
                return;
            }
        }
        else if (c.Count != 3)
        {
            c.Error(Errors.UnknownSubcommandOrArgs("unblock", "CLIENT"));
            return;
        }
        if (!c.TryInt(2, out long id)) return;
        ServerState server = c.Shard.Server;
        if (!server.Clients.TryGetValue(id, out Client? target) || target.Session is not { } session || session.Blocked == null)
        {
            c.W.Integer(0);
            return;
        }
        server.Shards[target.ShardId].Mailbox.Post(new UnblockMessage(session, error));
        c.W.Integer(1);
    }

    /// <summary>
    /// Ends a blocked client's wait on its home shard: claims it as a key's shard would, then completes it with a
    /// null (timeout) or -UNBLOCKED. A key's shard holding it claimed right now serves it or lets it go: try again then.
    /// </summary>
    sealed class UnblockMessage(Session session, bool error) : ShardMessage
    {
        public override void Run(Shard shard)
        {
            BlockedClient? w = session.Blocked;
            if (w == null || w.IsDone || session.Closed) return;
            if (!w.TryClaim())
            {
                shard.Mailbox.Post(this);
                return;
            }
            if (error) w.Complete("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"u8);
            else w.UnblockAsTimeout();
        }
    }

    /// <summary>CLIENT PAUSE timeout [WRITE|ALL] (<see cref="ClientPause"/>).</summary>
    static void ClientPauseCmd(ref CommandContext c)
    {
        if (c.Count > 4)
        {
            c.Error(Errors.UnknownSubcommandOrArgs("pause", "CLIENT"));
            return;
        }
        bool all = true;
        if (c.Count == 4)
        {
            if (c.ArgIs(3, "write"u8)) all = false;
            else if (!c.ArgIs(3, "all"u8))
            {
                c.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
                return;
            }
        }
        if (!RespNumber.TryParseInt64(c.Arg(2), out long ms))
        {
            c.Error(Errors.TimeoutNotInteger);
            return;
        }
        if (ms < 0)
        {
            c.Error(Errors.TimeoutNegative);
            return;
        }
        // As Redis's getTimeoutFromObjectOrReply: 0 stays 0, a deadline already past.
        long until = ms > 0 ? (ms > long.MaxValue - c.NowMs ? long.MaxValue : c.NowMs + ms) : 0;
        c.Shard.Server.Pause.Start(until, all);
        c.W.Ok();
    }

    static void ClientUnpause(ref CommandContext c)
    {
        c.Shard.Server.Pause.Stop();
        c.W.Ok();
    }

    static void ClientList(ref CommandContext c)
    {
        var sb = new StringBuilder();
        long now = c.Shard.NowMs;
        int i = 2;
        System.Collections.Generic.HashSet<long>? ids = null;
        ClientType? type = null;
        while (i < c.Count)
        {
            if (c.ArgIs(i, "type"u8) && i + 1 < c.Count)
            {
                if (!ClientInfoLine.TryParseType(c.Arg(i + 1), out ClientType t))
                {
                    c.Error(ClientInfoLine.UnknownType(c.Arg(i + 1)));
                    return;
                }
                type = t;
                i += 2;
            }
            else if (c.ArgIs(i, "id"u8) && i + 1 < c.Count)
            {
                ids ??= new();
                for (i++; i < c.Count; i++)
                {
                    if (!RespNumber.TryParseInt64(c.Arg(i), out long id) || id <= 0) { c.Error("ERR Invalid client ID"); return; }
                    ids.Add(id);
                }
            }
            else
            {
                c.Error(Errors.Syntax);
                return;
            }
        }
        var list = new System.Collections.Generic.List<Client>(c.Shard.Server.Clients.Values);
        list.Sort((a, b) => a.Id.CompareTo(b.Id));
        foreach (var cl in list)
            if ((ids == null || ids.Contains(cl.Id)) && (type == null || ClientInfoLine.TypeOf(cl) == type)) sb.Append(ClientInfoLine.Of(cl, now));
        c.W.Verbatim(Encoding.UTF8.GetBytes(sb.ToString()), "txt");
    }

    static void ClientInfo(ref CommandContext c) => c.W.Verbatim(Encoding.UTF8.GetBytes(ClientInfoLine.Of(c.Client!, c.Shard.NowMs)), "txt");

    static void ClientKill(ref CommandContext c)
    {
        var s = c.Shard.Server;
        if (c.Count == 3)
        {
            // Old form: CLIENT KILL addr:port
            string addr = c.ArgString(2);
            foreach (var cl in s.Clients.Values)
                if (cl.Address == addr)
                {
                    Kill(c, cl);
                    c.W.Ok();
                    return;
                }
            c.Error("ERR No such client");
            return;
        }
        long id = 0;
        string? addrF = null, laddrF = null;
        bool skipMe = true;
        ClientType? type = null;
        for (int i = 2; i < c.Count; i += 2)
        {
            if (i + 1 >= c.Count) { c.Error(Errors.Syntax); return; }
            if (c.ArgIs(i, "id"u8))
            {
                if (!RespNumber.TryParseInt64(c.Arg(i + 1), out id) || id <= 0) { c.Error("ERR client-id should be greater than 0"); return; }
            }
            else if (c.ArgIs(i, "addr"u8)) addrF = c.ArgString(i + 1);
            else if (c.ArgIs(i, "laddr"u8)) laddrF = c.ArgString(i + 1);
            else if (c.ArgIs(i, "type"u8))
            {
                if (!ClientInfoLine.TryParseType(c.Arg(i + 1), out ClientType t))
                {
                    c.Error(ClientInfoLine.UnknownType(c.Arg(i + 1)));
                    return;
                }
                type = t;
            }
            else if (c.ArgIs(i, "user"u8))
            {
                // Every client is the default user (no ACL yet): that name matches all of them, any other is unknown.
                if (!c.Arg(i + 1).SequenceEqual("default"u8)) { c.Error("ERR No such user '" + c.ArgString(i + 1) + "'"); return; }
            }
            else if (c.ArgIs(i, "skipme"u8))
            {
                if (c.ArgIs(i + 1, "yes"u8)) skipMe = true;
                else if (c.ArgIs(i + 1, "no"u8)) skipMe = false;
                else { c.Error(Errors.Syntax); return; }
            }
            else { c.Error(Errors.Syntax); return; }
        }
        long killed = 0;
        foreach (var cl in s.Clients.Values)
        {
            if (id != 0 && cl.Id != id) continue;
            if (addrF != null && cl.Address != addrF) continue;
            if (laddrF != null && cl.LocalAddress != laddrF) continue;
            if (type != null && ClientInfoLine.TypeOf(cl) != type) continue;
            if (skipMe && cl == c.Client) continue;
            Kill(c, cl);
            killed++;
        }
        c.W.Integer(killed);
    }

    static void Kill(CommandContext c, Client cl)
    {
        if (cl == c.Client) cl.CloseAfterReply = true;
        else cl.Killed = true;
        c.Shard.Server.RequestKill?.Invoke(cl);
    }

    static void ClientHelp(ref CommandContext c)
    {
        string[] lines =
        {
            "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CACHING (YES|NO)",
            "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
            "GETREDIR",
            "    Return the client ID we are redirecting to when tracking is enabled.",
            "GETNAME", "    Return the name of the current connection.",
            "ID", "    Return the ID of the current connection.",
            "INFO", "    Return information about the current client connection.",
            "KILL <ip:port>", "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "UNPAUSE", "    Stop the current client pause, resuming traffic.",
            "PAUSE <timeout> [WRITE|ALL]", "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
            "SETNAME <name>", "    Assign the name <name> to the current connection.",
            "SETINFO <option> <value>",
            "    Set client meta attr. Options are:",
            "    * LIB-NAME: the client lib name.",
            "    * LIB-VER: the client lib version.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Control server assisted client side caching.",
            "TRACKINGINFO", "    Report tracking status for the current connection.",
            "NO-EVICT (ON|OFF)", "    Protect current client connection from eviction.",
            "NO-TOUCH (ON|OFF)", "    Will not touch LRU/LFU stats when this mode is on.",
            "HELP", "    Print this help.",
        };
        c.W.ArrayHeader(lines.Length);
        foreach (var l in lines) c.W.Simple(l);
    }
}
