using System;
using System.Text;

namespace FastKv.Engine;

/// <summary>
/// The text of <c>notify-keyspace-events</c>: Redis's flag letters (notify.c keyspaceEventsStringToFlags and
/// keyspaceEventsFlagsToString) to and from <see cref="NotifyClass"/> bits.
/// </summary>
public static class KeyspaceEventFlags
{
    /// <summary>'A': every class but keymiss and new (Redis 7.0 NOTIFY_ALL, which includes module events).</summary>
    public const int All = NotifyClass.Generic | NotifyClass.String | NotifyClass.List | NotifyClass.Set | NotifyClass.Hash
        | NotifyClass.ZSet | NotifyClass.Expired | NotifyClass.Evicted | NotifyClass.Stream | NotifyClass.Module;

    public const string InvalidCharacter = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

    /// <summary>Letters to bits; false on a letter Redis does not know.</summary>
    public static bool TryParse(string text, out int flags)
    {
        flags = 0;
        foreach (char ch in text)
        {
            int bit = ch switch
            {
                'A' => All,
                'g' => NotifyClass.Generic,
                '$' => NotifyClass.String,
                'l' => NotifyClass.List,
                's' => NotifyClass.Set,
                'h' => NotifyClass.Hash,
                'z' => NotifyClass.ZSet,
                'x' => NotifyClass.Expired,
                'e' => NotifyClass.Evicted,
                'K' => NotifyClass.Keyspace,
                'E' => NotifyClass.Keyevent,
                't' => NotifyClass.Stream,
                'm' => NotifyClass.KeyMiss,
                'd' => NotifyClass.Module,
                'n' => NotifyClass.New,
                _ => -1,
            };
            if (bit < 0) { flags = 0; return false; }
            flags |= bit;
        }
        return true;
    }

    /// <summary>CONFIG SET / config file: applies the parsed bits or returns Redis's error text.</summary>
    public static string? Parse(string text, Action<int> set)
    {
        if (!TryParse(text, out int flags)) return InvalidCharacter;
        set(flags);
        return null;
    }

    /// <summary>
    /// Redis's canonical text (what CONFIG GET shows): "A" when every class of <see cref="All"/> is set (then
    /// 'n' is not shown even when set), else the class letters in Redis's order; then K, E and m.
    /// </summary>
    public static string Format(int flags)
    {
        var sb = new StringBuilder();
        if ((flags & All) == All) sb.Append('A');
        else
        {
            if ((flags & NotifyClass.Generic) != 0) sb.Append('g');
            if ((flags & NotifyClass.String) != 0) sb.Append('$');
            if ((flags & NotifyClass.List) != 0) sb.Append('l');
            if ((flags & NotifyClass.Set) != 0) sb.Append('s');
            if ((flags & NotifyClass.Hash) != 0) sb.Append('h');
            if ((flags & NotifyClass.ZSet) != 0) sb.Append('z');
            if ((flags & NotifyClass.Expired) != 0) sb.Append('x');
            if ((flags & NotifyClass.Evicted) != 0) sb.Append('e');
            if ((flags & NotifyClass.Stream) != 0) sb.Append('t');
            if ((flags & NotifyClass.Module) != 0) sb.Append('d');
            if ((flags & NotifyClass.New) != 0) sb.Append('n');
        }
        if ((flags & NotifyClass.Keyspace) != 0) sb.Append('K');
        if ((flags & NotifyClass.Keyevent) != 0) sb.Append('E');
        if ((flags & NotifyClass.KeyMiss) != 0) sb.Append('m');
        return sb.ToString();
    }
}
