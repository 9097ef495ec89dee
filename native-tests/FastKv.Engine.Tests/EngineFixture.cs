using System;
using System.Text;
using FastKv.Engine;

namespace FastKv.Engine.Tests;

/// <summary>A one-shard server state and a session on it: the engine without sockets.</summary>
public sealed class EngineHarness : IDisposable
{
    public readonly ServerState Server;
    public readonly Session Session;

    public EngineHarness(int shards = 1, bool slowlog = true)
    {
        var config = new ServerConfig();
        // A command slower than slowlog-log-slower-than records an entry, which allocates; on a
        // loaded machine a preempted GET can cross 10 ms, so allocation tests switch it off.
        if (!slowlog) config.Set("slowlog-log-slower-than", "-1");
        config.Set("threads", shards.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Server = new ServerState(config, shards);
        var client = new Client { Id = 1 };
        Session = new Session(Server.Shards[0], client);
    }

    public static byte[] Command(params string[] args)
    {
        var sb = new StringBuilder();
        sb.Append('*').Append(args.Length).Append("\r\n");
        foreach (var a in args) sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Runs raw request bytes and returns the replies as text.</summary>
    public string Run(byte[] request)
    {
        Session.Feed(request);
        string reply = Encoding.UTF8.GetString(Session.Output.ToArray());
        Session.Output.Clear();
        return reply;
    }

    /// <summary>A key name starting with <paramref name="prefix"/> that lives on shard <paramref name="shard"/>.</summary>
    public static string KeyOn(ServerState s, int shard, string prefix)
    {
        for (int i = 0; ; i++)
        {
            string k = prefix + i;
            if (s.ShardOf(Encoding.ASCII.GetBytes(k)).Id == shard) return k;
        }
    }

    /// <summary>Runs every shard's mailbox until no message is left (the shard loops' part, without threads).</summary>
    public static void Pump(ServerState server)
    {
        for (int round = 0; round < 1000; round++)
        {
            int n = 0;
            foreach (Shard s in server.Shards) n += s.Mailbox.Drain(s);
            if (n == 0) return;
        }
    }

    public void Dispose() => Server.Dispose();
}
