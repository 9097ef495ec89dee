using System;
using System.Text;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// Connection commands: PING ECHO SELECT QUIT RESET AUTH HELLO CLIENT. They read or change the
/// connection's <see cref="Client"/> and always run on its own shard.
/// </summary>
public static unsafe class ConnectionCommands
{
    const CommandFlags Conn = CommandFlags.Fast | CommandFlags.Loading | CommandFlags.Stale;

    public static void Register(CommandTable t)
    {
        t.Add("ping", -1, Conn, 0, 0, 0, "@fast @connection", &Ping);
        t.Add("echo", 2, Conn, 0, 0, 0, "@fast @connection", &Echo);
        t.Add("select", 2, Conn, 0, 0, 0, "@fast @connection", &Select);
        t.Add("quit", -1, Conn | CommandFlags.NoAuth | CommandFlags.AllowBusy, 0, 0, 0, "@fast @connection", &Quit);
        t.Add("reset", 1, Conn | CommandFlags.NoAuth | CommandFlags.NoScript, 0, 0, 0, "@fast @connection", &Reset);
        t.Add("auth", -2, Conn | CommandFlags.NoAuth | CommandFlags.NoScript | CommandFlags.SkipMonitor, 0, 0, 0, "@fast @connection", &Auth);
        t.Add("hello", -1, Conn | CommandFlags.NoAuth | CommandFlags.NoScript, 0, 0, 0, "@fast @connection", &Hello);
        var client = t.Add("client", -2, CommandFlags.None, 0, 0, 0, "@slow", null);
        const CommandFlags cf = CommandFlags.NoScript | CommandFlags.Loading | CommandFlags.Stale;
        t.AddSub(client, "id", 2, cf, "@slow @connection", &ClientId);
        t.AddSub(client, "setname", 3, cf, "@slow @connection", &ClientSetName);
        t.AddSub(client, "getname", 2, cf, "@slow @connection", &ClientGetName);
        t.AddSub(client, "list", -2, cf | CommandFlags.Admin, "@admin @slow @dangerous @connection", &ClientList);
        t.AddSub(client, "info", 2, cf, "@slow @connection", &ClientInfo);
        t.AddSub(client, "kill", -3, cf | CommandFlags.Admin, "@admin @slow @dangerous @connection", &ClientKill);
        t.AddSub(client, "setinfo", 4, cf, "@slow @connection", &ClientSetInfo);
        t.AddSub(client, "no-evict", 3, cf | CommandFlags.Admin, "@admin @slow @dangerous @connection", &ClientOnOff);
        t.AddSub(client, "no-touch", 3, cf, "@slow @connection", &ClientOnOff);
        t.AddSub(client, "help", 2, cf, "@slow @connection", &ClientHelp);
    }

    static void Ping(ref CommandContext c)
    {
        if (c.Count > 2) { c.WrongArgs(); return; }
        if (PubSubCommands.InSubscriberMode(c.Client))
        {
            c.W.ArrayHeader(2);
            c.W.Bulk("pong"u8);
            c.W.Bulk(c.Count == 2 ? c.Arg(1) : default);
            return;
        }
        if (c.Count == 1) c.W.Simple("PONG"u8);
        else c.W.Bulk(c.Arg(1));
    }

    static void Echo(ref CommandContext c) => c.W.Bulk(c.Arg(1));

    static void Select(ref CommandContext c)
    {
        if (!RespNumber.TryParseInt64(c.Arg(1), out long db))
        {
            c.Error(Errors.NotInteger);
            return;
        }
        if (db < int.MinValue || db > int.MaxValue)
        {
            c.Error(Errors.IntOutOfRange);
            return;
        }
        if (db < 0 || db >= c.Shard.Dbs.Length)
        {
            c.Error(Errors.DbIndexOutOfRange);
            return;
        }
        c.Client!.Db = (int)db;
        c.W.Ok();
    }

    static void Quit(ref CommandContext c)
    {
        c.W.Ok();
        c.Client!.CloseAfterReply = true;
    }

    static void Reset(ref CommandContext c)
    {
        Client cl = c.Client!;
        if (cl.Session != null) c.Shard.Server.PubSub.UnsubscribeAll(cl.Session);
        cl.Multi?.Discard(c.Shard); // leaves MULTI, unwatches every key
        if (cl.Tracking != null) TrackingCommands.Disable(c.Shard.Server, cl.Tracking);
        cl.Db = 0;
        cl.Protocol = 2;
        c.W.Protocol = 2;
        cl.Name = null;
        cl.Authenticated = c.Shard.Server.Config.RequirePass == null;
        c.W.Simple("RESET"u8);
    }

    /// <summary>Checks a username/password pair against requirepass (the only user is "default").</summary>
    static bool CheckPassword(ServerState s, ReadOnlySpan<byte> user, ReadOnlySpan<byte> pass)
    {
        if (!user.SequenceEqual("default"u8)) return false;
        string? req = s.Config.RequirePass;
        if (req == null) return true;
        return pass.SequenceEqual(Encoding.UTF8.GetBytes(req));
    }

    static void Auth(ref CommandContext c)
    {
        if (c.Count > 3) { c.Error(Errors.Syntax); return; }
        var s = c.Shard.Server;
        if (c.Count == 2 && s.Config.RequirePass == null)
        {
            c.Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
            return;
        }
        bool ok = c.Count == 2 ? CheckPassword(s, "default"u8, c.Arg(1)) : CheckPassword(s, c.Arg(1), c.Arg(2));
        if (!ok)
        {
            c.Error(Errors.WrongPass);
            return;
        }
        c.Client!.Authenticated = true;
        c.W.Ok();
    }

    static void Hello(ref CommandContext c)
    {
        Client cl = c.Client!;
        long ver = 0;
        int next = 1;
        if (c.Count >= 2)
        {
            if (!RespNumber.TryParseInt64(c.Arg(1), out ver))
            {
                c.Error("ERR Protocol version is not an integer or out of range");
                return;
            }
            next = 2;
            if (ver < 2 || ver > 3)
            {
                c.Error("NOPROTO unsupported protocol version");
                return;
            }
        }
        int userArg = -1, nameArg = -1;
        for (int j = next; j < c.Count; j++)
        {
            int more = c.Count - 1 - j;
            if (c.ArgIs(j, "auth"u8) && more >= 2)
            {
                userArg = j + 1;
                j += 2;
            }
            else if (c.ArgIs(j, "setname"u8) && more >= 1)
            {
                nameArg = j + 1;
                if (!ValidName(c.Arg(nameArg)))
                {
                    c.Error("ERR Client names cannot contain spaces, newlines or special characters.");
                    return;
                }
                j++;
            }
            else
            {
                c.Error("ERR Syntax error in HELLO option '" + Executor.Sanitize(c.Arg(j), 128) + "'");
                return;
            }
        }
        if (userArg > 0)
        {
            if (!CheckPassword(c.Shard.Server, c.Arg(userArg), c.Arg(userArg + 1)))
            {
                c.Error(Errors.WrongPass);
                return;
            }
            cl.Authenticated = true;
        }
        if (!cl.Authenticated)
        {
            c.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
            return;
        }
        if (nameArg > 0) cl.Name = c.Arg(nameArg).Length == 0 ? null : c.ArgString(nameArg);
        if (ver != 0)
        {
            cl.Protocol = (int)ver;
            c.W.Protocol = (int)ver;
        }
        var w = c.W;
        w.MapHeader(7);
        w.Bulk("server"u8); w.Bulk("redis"u8);
        w.Bulk("version"u8); w.Bulk(Encoding.ASCII.GetBytes(ServerState.RedisVersion));
        w.Bulk("proto"u8); w.Integer(cl.Protocol);
        w.Bulk("id"u8); w.Integer(cl.Id);
        w.Bulk("mode"u8); w.Bulk("standalone"u8);
        w.Bulk("role"u8); w.Bulk("master"u8);
        w.Bulk("modules"u8); w.ArrayHeader(0);
    }

    static bool ValidName(ReadOnlySpan<byte> name)
    {
        foreach (byte b in name)
            if (b < '!' || b > '~') return false;
        return true;
    }

    static void ClientId(ref CommandContext c) => c.W.Integer(c.Client!.Id);

    static void ClientSetName(ref CommandContext c)
    {
        if (!ValidName(c.Arg(2)))
        {
            c.Error("ERR Client names cannot contain spaces, newlines or special characters.");
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

    static void ClientOnOff(ref CommandContext c)
    {
        if (c.ArgIs(2, "on"u8) || c.ArgIs(2, "off"u8)) c.W.Ok();
        else c.Error(Errors.Syntax);
    }

    /// <summary>One CLIENT LIST line, with Redis 7.2's fields.</summary>
    public static string Describe(Client cl, long now)
    {
        Subscriptions? ps = cl.PubSub;
        return "id=" + cl.Id + " addr=" + cl.Address + " laddr=" + cl.LocalAddress + " fd=" + cl.Fd +
               " name=" + (cl.Name ?? "") + " age=" + (now - cl.CreatedMs) / 1000 + " idle=" + (now - cl.LastInteractionMs) / 1000 +
               " flags=" + (ps is { Any: true } ? "P" : "N") + " db=" + cl.Db + " sub=" + (ps?.Channels.Count ?? 0) + " psub=" + (ps?.Patterns.Count ?? 0) +
               " ssub=" + (ps?.ShardChannels.Count ?? 0) + " multi=-1 qbuf=" + cl.QueryBufferLength + " qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0" +
               " obl=0 oll=0 omem=" + cl.OutputBufferLength + " tot-mem=0 events=r cmd=" + cl.LastCommand + " user=default redir=-1 resp=" + cl.Protocol +
               " lib-name=" + (cl.LibName ?? "") + " lib-ver=" + (cl.LibVersion ?? "") + "\n";
    }

    static void ClientList(ref CommandContext c)
    {
        var sb = new StringBuilder();
        long now = c.Shard.NowMs;
        int i = 2;
        System.Collections.Generic.HashSet<long>? ids = null;
        while (i < c.Count)
        {
            if (c.ArgIs(i, "type"u8) && i + 1 < c.Count)
            {
                if (!c.ArgIs(i + 1, "normal"u8) && !c.ArgIs(i + 1, "master"u8) && !c.ArgIs(i + 1, "replica"u8) && !c.ArgIs(i + 1, "slave"u8) && !c.ArgIs(i + 1, "pubsub"u8))
                {
                    c.Error("ERR Unknown client type '" + c.ArgString(i + 1) + "'");
                    return;
                }
                if (!c.ArgIs(i + 1, "normal"u8)) ids = new();
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
            if (ids == null || ids.Contains(cl.Id)) sb.Append(Describe(cl, now));
        c.W.Verbatim(Encoding.UTF8.GetBytes(sb.ToString()), "txt");
    }

    static void ClientInfo(ref CommandContext c) => c.W.Verbatim(Encoding.UTF8.GetBytes(Describe(c.Client!, c.Shard.NowMs)), "txt");

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
        string? type = null;
        for (int i = 2; i < c.Count; i += 2)
        {
            if (i + 1 >= c.Count) { c.Error(Errors.Syntax); return; }
            if (c.ArgIs(i, "id"u8))
            {
                if (!RespNumber.TryParseInt64(c.Arg(i + 1), out id) || id <= 0) { c.Error("ERR client-id should be greater than 0"); return; }
            }
            else if (c.ArgIs(i, "addr"u8)) addrF = c.ArgString(i + 1);
            else if (c.ArgIs(i, "laddr"u8)) laddrF = c.ArgString(i + 1);
            else if (c.ArgIs(i, "type"u8)) type = Ascii.Lower(c.Arg(i + 1));
            else if (c.ArgIs(i, "user"u8)) { }
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
            if (type != null && type != "normal") continue;
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
            "GETNAME", "    Return the name of the current connection.",
            "ID", "    Return the ID of the current connection.",
            "INFO", "    Return information about the current client connection.",
            "KILL <ip:port>", "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]", "    Kill connections. Options are: ID, ADDR, LADDR, TYPE, USER, SKIPME.",
            "LIST [options ...]", "    Return information about client connections.",
            "SETNAME <name>", "    Assign the name <name> to the current connection.",
            "SETINFO <option> <value>", "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
            "HELP", "    Print this help.",
        };
        c.W.ArrayHeader(lines.Length);
        foreach (var l in lines) c.W.Simple(l);
    }
}
