using System;
using System.Text;
using FastKv.Protocol;

namespace FastKv.Engine.Commands;

/// <summary>
/// Connection commands: PING ECHO SELECT QUIT RESET AUTH HELLO (CLIENT is <see cref="ClientCommands"/>). They read
/// or change the connection's <see cref="Client"/> and always run on its own shard.
/// </summary>
public static unsafe class ConnectionCommands
{

    public static void Register(CommandTable t)
    {
        var ping = t.Add("ping", &Ping);
        ping.AllowedWhileSubscribed = true;
        ping.RefusedOnDiskError = true;
        t.Add("echo", &Echo);
        t.Add("select", &Select).ChangesDb = true;
        CommandSpec quit = t.Add("quit", &Quit);
        quit.InMulti = MultiRole.RunsNow;
        quit.AllowedWhileSubscribed = true;
        CommandSpec reset = t.Add("reset", &Reset);
        reset.InMulti = MultiRole.RunsNow; // its handler leaves MULTI and unwatches
        reset.AllowedWhileSubscribed = true;
        t.Add("auth", &Auth).Redact = Redaction.AllArguments;
        t.Add("hello", &Hello).Redact = Redaction.HelloAuth;
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
        // As Redis's clearClientConnectionState: no more monitoring, replies on, NO-TOUCH and NO-EVICT off.
        if (cl.Session != null) c.Shard.Server.Monitors.Remove(cl.Session);
        cl.ReplyOff = cl.ReplySkip = cl.ReplySkipNext = false;
        cl.NoTouch = cl.NoEvict = false;
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
                    c.Error(Errors.BadClientName);
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

    internal static bool ValidName(ReadOnlySpan<byte> name)
    {
        foreach (byte b in name)
            if (b < '!' || b > '~') return false;
        return true;
    }
}
