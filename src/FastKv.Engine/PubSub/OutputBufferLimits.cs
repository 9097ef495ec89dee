using System;
using System.Globalization;

namespace FastKv.Engine;

/// <summary>
/// <c>client-output-buffer-limit</c>: per client class a hard limit, a soft limit and how many seconds the
/// soft limit may be exceeded, in Redis's syntax (<c>normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60</c>,
/// 'slave' for 'replica'). A client whose unsent replies reach the hard limit, or stay at or above the soft
/// limit for longer than its seconds, is closed. The class of a client is pubsub while it has any subscription,
/// normal otherwise (FastKv has no replicas; their limits are kept for CONFIG GET). Written by CONFIG SET on one
/// thread, read by every shard; a torn read of a limit pair while it changes is harmless.
/// </summary>
public sealed class OutputBufferLimits
{
    public struct Limit
    {
        public long Hard;
        public long Soft;
        public long SoftSeconds;
    }

    public Limit Normal;
    public Limit Replica = new() { Hard = 256L << 20, Soft = 64L << 20, SoftSeconds = 60 };
    public Limit PubSub = new() { Hard = 32L << 20, Soft = 8L << 20, SoftSeconds = 60 };

    /// <summary>Applies "class hard soft seconds ..." (any number of classes); Redis's error text or null.</summary>
    public string? Parse(string value)
    {
        string[] a = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (a.Length % 4 != 0) return "Wrong number of arguments in buffer limit configuration.";
        var parsed = new Limit[a.Length / 4];
        var classes = new int[a.Length / 4];
        for (int i = 0; i < a.Length; i += 4)
        {
            int cls = ClassOf(a[i]);
            if (cls < 0) return "Invalid client class specified in buffer limit configuration.";
            if (!ServerConfig.TryMemory(a[i + 1], out long hard) || !ServerConfig.TryMemory(a[i + 2], out long soft) ||
                !long.TryParse(a[i + 3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long secs) || secs < 0)
                return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            classes[i / 4] = cls;
            parsed[i / 4] = new Limit { Hard = hard, Soft = soft, SoftSeconds = secs };
        }
        for (int i = 0; i < parsed.Length; i++)
        {
            if (classes[i] == 0) Normal = parsed[i];
            else if (classes[i] == 1) Replica = parsed[i];
            else PubSub = parsed[i];
        }
        return null;
    }

    static int ClassOf(string name)
    {
        if (name.Equals("normal", StringComparison.OrdinalIgnoreCase)) return 0;
        if (name.Equals("replica", StringComparison.OrdinalIgnoreCase) || name.Equals("slave", StringComparison.OrdinalIgnoreCase)) return 1;
        if (name.Equals("pubsub", StringComparison.OrdinalIgnoreCase)) return 2;
        return -1;
    }

    /// <summary>What CONFIG GET shows: every class, bytes and seconds, in Redis's order and names.</summary>
    public string Format()
    {
        return "normal " + Text(Normal) + " slave " + Text(Replica) + " pubsub " + Text(PubSub);

        static string Text(Limit l) => l.Hard.ToString(CultureInfo.InvariantCulture) + " " +
            l.Soft.ToString(CultureInfo.InvariantCulture) + " " + l.SoftSeconds.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Redis's checkClientOutputBufferLimits for a client with <paramref name="pending"/> unsent bytes: true when
    /// it must be closed. Tracks the time the soft limit was first reached on the client.
    /// </summary>
    public bool Exceeded(Client client, long pending, long nowMs)
    {
        Limit l = client.PubSub != null && client.PubSub.Any ? PubSub : Normal;
        if (l.Hard > 0 && pending >= l.Hard) return true;
        if (l.Soft > 0 && pending >= l.Soft)
        {
            if (client.OutputSoftLimitSinceMs == 0)
            {
                client.OutputSoftLimitSinceMs = nowMs;
                return false;
            }
            return nowMs - client.OutputSoftLimitSinceMs > l.SoftSeconds * 1000;
        }
        client.OutputSoftLimitSinceMs = 0;
        return false;
    }
}
