using System;
using System.Collections.Generic;
using System.Globalization;
using FastKv.Server.Tests.Infrastructure;

namespace FastKv.Server.Tests.Eviction;

/// <summary>
/// What the eviction tests read from a server: INFO sections as name/value maps, a CONFIG GET reply in a
/// stable order, and Redis's eviction defaults to put back after a test changed them.
/// </summary>
static class ServerReadings
{
    /// <summary>Redis 7.2's defaults of every setting these tests change, as one CONFIG SET argument list.</summary>
    public static readonly string[] EvictionDefaults =
    {
        "CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction", "maxmemory-samples", "5",
        "maxmemory-eviction-tenacity", "10", "lfu-log-factor", "10", "lfu-decay-time", "1", "maxmemory-clients", "0",
        "lazyfree-lazy-eviction", "no", "notify-keyspace-events", "",
    };

    public const string OomError = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";

    /// <summary>The fields of one INFO section (or "everything"), name to value, in the order given.</summary>
    public static Dictionary<string, string> Info(RespConnection c, string section)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        RespValue reply = Resp.Parse(c.Call("INFO", section));
        foreach (string line in reply.Text!.Split("\r\n"))
        {
            int colon = line.IndexOf(':');
            if (colon > 0 && !line.StartsWith('#'))
                fields[line[..colon]] = line[(colon + 1)..];
        }
        return fields;
    }

    public static long InfoLong(RespConnection c, string section, string field) =>
        long.Parse(Info(c, section)[field], CultureInfo.InvariantCulture);

    /// <summary>A CONFIG GET reply as "name=value" pairs sorted by name (Redis lists them in its dict's order).</summary>
    public static string ConfigMap(byte[] reply)
    {
        RespValue v = Resp.Parse(reply);
        if (v.Items is null)
            return Resp.Escape(reply);
        var pairs = new List<string>();
        for (int i = 0; i + 1 < v.Items.Count; i += 2)
            pairs.Add(v.Items[i].Text + "=" + v.Items[i + 1].Text);
        pairs.Sort(StringComparer.Ordinal);
        return v.Type + " " + string.Join(", ", pairs);
    }
}
