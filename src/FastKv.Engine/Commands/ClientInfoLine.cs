using System;
using System.Text;

namespace FastKv.Engine.Commands;

/// <summary>The classes CLIENT LIST TYPE and CLIENT KILL TYPE select (Redis's getClientType).</summary>
public enum ClientType
{
    Normal,
    Replica,
    PubSub,
    Master,
}

/// <summary>
/// One line of CLIENT LIST / CLIENT INFO with Redis 7.2's fields, and the client's type and flag letters
/// (Redis's getClientInfoString and getClientType). Reads clients of every shard: the fields it reads are plain
/// words their own threads set, so a line is a snapshot as fresh as Redis's own, never a torn value.
/// </summary>
public static class ClientInfoLine
{
    public static string Of(Client cl, long now)
    {
        Subscriptions? ps = cl.PubSub;
        MultiState? m = cl.Multi;
        bool inMulti = m != null && (m.Queuing || m.Executing);
        return "id=" + cl.Id + " addr=" + cl.Address + " laddr=" + cl.LocalAddress + " fd=" + cl.Fd +
               " name=" + (cl.Name ?? "") + " age=" + (now - cl.CreatedMs) / 1000 + " idle=" + (now - cl.LastInteractionMs) / 1000 +
               " flags=" + Flags(cl) + " db=" + cl.Db + " sub=" + (ps?.Channels.Count ?? 0) + " psub=" + (ps?.Patterns.Count ?? 0) +
               " ssub=" + (ps?.ShardChannels.Count ?? 0) + " multi=" + (inMulti ? m!.Commands.Count : -1) +
               " qbuf=" + cl.QueryBufferLength + " qbuf-free=" + cl.QueryBufferFree + " argv-mem=0 multi-mem=0 rbs=16384 rbp=0" +
               " obl=0 oll=0 omem=" + cl.OutputBufferLength + " tot-mem=" + cl.TrackedMemory + " events=r cmd=" + cl.LastCommand + " user=default redir=-1 resp=" + cl.Protocol +
               " lib-name=" + (cl.LibName ?? "") + " lib-ver=" + (cl.LibVersion ?? "") + "\n";
    }

    /// <summary>Redis's flag letters in its order: O (monitor), P, x, b, d, c, U, e, T; N when none applies.</summary>
    public static string Flags(Client cl)
    {
        var sb = new StringBuilder(8);
        if (cl.Monitor) sb.Append('O');
        if (IsPubSub(cl)) sb.Append('P');
        MultiState? m = cl.Multi;
        if (m != null && (m.Queuing || m.Executing)) sb.Append('x');
        if (cl.Session?.Blocked != null || cl.Postponed) sb.Append('b');
        // Tracking letters (t, R, B) come here when CLIENT TRACKING exists.
        if (m?.Watches != null && m.Watches.Dirty) sb.Append('d');
        if (cl.CloseAfterReply) sb.Append('c');
        if (cl.UnixSocket) sb.Append('U');
        if (cl.NoEvict) sb.Append('e');
        if (cl.NoTouch) sb.Append('T');
        if (sb.Length == 0) sb.Append('N');
        return sb.ToString();
    }

    static bool IsPubSub(Client cl) => cl.PubSub is { Any: true };

    /// <summary>A monitor counts as normal (Redis marks it a replica but shows it as normal); FastKv has no replicas or masters yet.</summary>
    public static ClientType TypeOf(Client cl) => IsPubSub(cl) ? ClientType.PubSub : ClientType.Normal;

    /// <summary>normal, replica or slave, pubsub, master (any case); false otherwise.</summary>
    public static bool TryParseType(ReadOnlySpan<byte> name, out ClientType type)
    {
        type = ClientType.Normal;
        if (Ascii.EqualsIgnoreCase(name, "normal"u8)) return true;
        if (Ascii.EqualsIgnoreCase(name, "replica"u8) || Ascii.EqualsIgnoreCase(name, "slave"u8)) { type = ClientType.Replica; return true; }
        if (Ascii.EqualsIgnoreCase(name, "pubsub"u8)) { type = ClientType.PubSub; return true; }
        if (Ascii.EqualsIgnoreCase(name, "master"u8)) { type = ClientType.Master; return true; }
        return false;
    }

    /// <summary>Redis's error for a type it does not know, naming it as given.</summary>
    public static string UnknownType(ReadOnlySpan<byte> name) => "ERR Unknown client type '" + Executor.Sanitize(name, 128) + "'";
}
