using System;
using System.Collections.Generic;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>What a blocking command pops, and how its reply is built from the non-blocking command it stands for.</summary>
public enum BlockKind : byte
{
    /// <summary>BLPOP/BRPOP: LPOP/RPOP one key; reply [key, element].</summary>
    ListPop,
    /// <summary>BLMPOP: LMPOP 1 key ...; reply as LMPOP's.</summary>
    ListMPop,
    /// <summary>BZPOPMIN/BZPOPMAX: ZPOPMIN/ZPOPMAX one key; reply [key, member, score].</summary>
    ZPop,
    /// <summary>BZMPOP: ZMPOP 1 key ...; reply as ZMPOP's.</summary>
    ZMPop,
    /// <summary>BLMOVE/BRPOPLPUSH: LMOVE/RPOPLPUSH; reply as theirs.</summary>
    ListMove,
    /// <summary>XREAD BLOCK: the whole XREAD is the first attempt; later serves read after the IDs resolved when the
    /// waiter registered (<see cref="BlockingPlan.StreamIds"/>), replying as XREAD; keys on other shards add their parts
    /// (<see cref="StreamWakeParts"/>).</summary>
    StreamRead,
    /// <summary>XREADGROUP BLOCK: the whole XREADGROUP is the first attempt; later serves run, on the shard of the
    /// written key, XREADGROUP over that shard's keys (<see cref="ShardBlocking.Register"/> writes it), as Redis
    /// re-executes the blocked command: "&gt;" reads from the group's last ID then, a deleted key, destroyed group or
    /// changed type answers its error (NOGROUP, WRONGTYPE). With keys on several shards it runs again under their locks,
    /// every key checked before any delivers, each shard serving its part (<see cref="StreamGroupWakeTx"/>). It runs only
    /// when Redis would signal the stream (<see cref="ShardBlocking.SignalStream"/>).</summary>
    StreamReadGroup,
}

/// <summary>
/// One blocking command, parsed: the keys it waits on (in argument order), its timeout, and for each
/// key the non-blocking command that serves it (the "attempt", RESP-encoded, run on the key's shard).
/// Parsing checks arguments in Redis's order and with its error texts, before any key is looked at.
/// Built per blocking command: off the GET/SET hot path, so it allocates.
/// </summary>
public sealed class BlockingPlan
{
    public BlockKind Kind;
    public int Db;
    public byte[][] Keys = Array.Empty<byte[]>();
    /// <summary>BLMOVE/BRPOPLPUSH destination.</summary>
    public byte[]? Destination;
    /// <summary>Relative timeout in ms; 0 waits forever.</summary>
    public long TimeoutMs;
    public byte[][] Attempts = Array.Empty<byte[]>();
    /// <summary>The command as sent (for the cross-shard path, which runs it whole).</summary>
    public byte[][] Command = Array.Empty<byte[]>();

    /// <summary>XREAD BLOCK: COUNT (0 = all), and per key the ID its entries must follow, resolved ("$" included) on the
    /// key's shard when the waiter registers there; each shard reads and writes only its own keys' slots.</summary>
    public long StreamCount;
    public StreamId[] StreamIds = Array.Empty<StreamId>();
    /// <summary>XREAD/XREADGROUP BLOCK: the index in <see cref="Command"/> of the first key after STREAMS.</summary>
    public int StreamsArg;
    /// <summary>XREADGROUP BLOCK: the index in <see cref="Command"/> of GROUP's group name (the consumer follows it).</summary>
    public int GroupArg;

    /// <summary>XREADGROUP BLOCK: this shard's part of the command, for its keys' attempts: the options as sent, then
    /// STREAMS with only the keys <paramref name="shard"/> holds and their IDs. Written on that shard's thread, into
    /// the slots of its own keys only.</summary>
    internal void SetGroupAttempts(Shard shard)
    {
        var keys = new List<int>();
        for (int k = 0; k < Keys.Length; k++)
            if (shard.Server.ShardOf(Keys[k]) == shard) keys.Add(k);
        if (keys.Count == Keys.Length) return; // every key here: the whole command is this shard's part
        var part = new byte[StreamsArg + 2 * keys.Count][];
        Array.Copy(Command, part, StreamsArg);
        for (int j = 0; j < keys.Count; j++)
        {
            part[StreamsArg + j] = Keys[keys[j]];
            part[StreamsArg + keys.Count + j] = Command[StreamsArg + Keys.Length + keys[j]];
        }
        byte[] encoded = Encode(part);
        foreach (int k in keys) Attempts[k] = encoded;
    }

    /// <summary>The type a watched key must hold to serve this command.</summary>
    public byte WaitsFor => Kind switch
    {
        BlockKind.ZPop or BlockKind.ZMPop => ValueKind.ZSet,
        BlockKind.StreamRead or BlockKind.StreamReadGroup => ValueKind.Stream,
        _ => ValueKind.List,
    };

    /// <summary>Parses a blocking command; null after setting Redis's error text.</summary>
    public static BlockingPlan? Parse(CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, out string? error)
    {
        int n = args.Count;
        var a = new byte[n][];
        for (int i = 0; i < n; i++) a[i] = args.Get(buf, i).ToArray();
        var p = new BlockingPlan { Command = a };
        error = null;
        BlockingForm form = spec.Block!;
        switch (form.Kind)
        {
            case BlockKind.ListPop:
            case BlockKind.ZPop:
            {
                if (!TryTimeout(a[n - 1], out p.TimeoutMs, out error)) return null;
                p.Kind = form.Kind;
                p.Keys = a[1..(n - 1)];
                p.Attempts = new byte[p.Keys.Length][];
                for (int i = 0; i < p.Keys.Length; i++) p.Attempts[i] = Encode(form.Attempt, p.Keys[i]);
                return p;
            }
            case BlockKind.ListMove when !form.HasSides: // BRPOPLPUSH source destination timeout
                if (!TryTimeout(a[3], out p.TimeoutMs, out error)) return null;
                p.Kind = BlockKind.ListMove;
                p.Keys = new[] { a[1] };
                p.Destination = a[2];
                p.Attempts = new[] { Encode(form.Attempt, a[1], a[2]) };
                return p;
            case BlockKind.ListMove: // BLMOVE source destination wherefrom whereto timeout
                if (!IsSide(a[3]) || !IsSide(a[4])) { error = Errors.Syntax; return null; }
                if (!TryTimeout(a[5], out p.TimeoutMs, out error)) return null;
                p.Kind = BlockKind.ListMove;
                p.Keys = new[] { a[1] };
                p.Destination = a[2];
                p.Attempts = new[] { Encode(form.Attempt, a[1], a[2], a[3], a[4]) };
                return p;
            case BlockKind.ListMPop:
            case BlockKind.ZMPop:
                return ParseMPop(p, a, form, out error);
            case BlockKind.StreamRead:
            case BlockKind.StreamReadGroup:
                return ParseStreamRead(p, a, form.Kind);
        }
        error = "ERR unknown blocking command";
        return null;
    }

    /// <summary>BLMPOP/BZMPOP timeout numkeys key... LEFT|RIGHT (MIN|MAX) [COUNT n], as lmpopGenericCommand checks them.</summary>
    static BlockingPlan? ParseMPop(BlockingPlan p, byte[][] a, BlockingForm form, out string? error)
    {
        bool list = form.Kind == BlockKind.ListMPop;
        if (!TryTimeout(a[1], out p.TimeoutMs, out error)) return null;
        int n = a.Length;
        if (!RespNumber.TryParseInt64(a[2], out long numkeys) || numkeys <= 0 || numkeys > int.MaxValue)
        {
            error = Errors.NumKeysNotPositive;
            return null;
        }
        int where = 3 + (int)numkeys;
        if (numkeys > n - 3 || where >= n)
        {
            error = Errors.Syntax;
            return null;
        }
        bool sideOk = list ? IsSide(a[where]) : (Engine.Ascii.EqualsIgnoreCase(a[where], "min"u8) || Engine.Ascii.EqualsIgnoreCase(a[where], "max"u8));
        if (!sideOk) { error = Errors.Syntax; return null; }
        byte[] count = Ascii("1");
        bool hasCount = false;
        for (int j = where + 1; j < n; j++)
        {
            if (!hasCount && Engine.Ascii.EqualsIgnoreCase(a[j], "count"u8) && j + 1 < n)
            {
                if (!RespNumber.TryParseInt64(a[j + 1], out long c) || c < 1)
                {
                    error = Errors.CountNotPositive;
                    return null;
                }
                count = a[j + 1];
                hasCount = true;
                j++;
            }
            else
            {
                error = Errors.Syntax;
                return null;
            }
        }
        p.Kind = form.Kind;
        p.Keys = a[3..where];
        p.Attempts = new byte[p.Keys.Length][];
        for (int i = 0; i < p.Keys.Length; i++)
            p.Attempts[i] = Encode(form.Attempt, Ascii("1"), p.Keys[i], a[where], Ascii("COUNT"), count);
        return p;
    }

    /// <summary>
    /// XREAD or XREADGROUP with a valid BLOCK and well-formed STREAMS (<see cref="BlockingForm.Waits"/> let only those
    /// through): its keys, BLOCK's milliseconds and COUNT. Every other error is the command's own, answered by the first
    /// attempt.
    /// </summary>
    static BlockingPlan ParseStreamRead(BlockingPlan p, byte[][] a, BlockKind kind)
    {
        int streams = 0;
        for (int i = 1; i < a.Length; i++)
        {
            if (Engine.Ascii.EqualsIgnoreCase(a[i], "streams"u8)) { streams = i + 1; break; }
            if (Engine.Ascii.EqualsIgnoreCase(a[i], "noack"u8)) continue;
            if (Engine.Ascii.EqualsIgnoreCase(a[i], "group"u8))
            {
                p.GroupArg = i + 1;
                i += 2;
            }
            else if (Engine.Ascii.EqualsIgnoreCase(a[i], "block"u8)) RespNumber.TryParseInt64(a[++i], out p.TimeoutMs);
            else if (Engine.Ascii.EqualsIgnoreCase(a[i], "count"u8) && RespNumber.TryParseInt64(a[++i], out long c)) p.StreamCount = Math.Max(c, 0);
        }
        int n = (a.Length - streams) / 2;
        p.Kind = kind;
        p.StreamsArg = streams;
        p.Keys = a[streams..(streams + n)];
        p.StreamIds = new StreamId[n];
        p.Attempts = new byte[n][];
        byte[] whole = Encode(a);
        for (int i = 0; i < n; i++) p.Attempts[i] = whole;
        return p;
    }

    /// <summary>getTimeoutFromObjectOrReply in seconds (see <see cref="BlockingTimeout"/>).</summary>
    static bool TryTimeout(byte[] text, out long ms, out string? error) => BlockingTimeout.TryParseSeconds(text, out ms, out error);

    static bool IsSide(byte[] s) => Engine.Ascii.EqualsIgnoreCase(s, "left"u8) || Engine.Ascii.EqualsIgnoreCase(s, "right"u8);

    static byte[] Ascii(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    /// <summary>A command as one RESP array.</summary>
    static byte[] Encode(params byte[][] items)
    {
        var o = new OutputBuffer();
        RespEncode.Command(o, items);
        return o.Written.ToArray();
    }

    /// <summary>The shards holding the watched keys and the destination, without repeats.</summary>
    public List<Shard> Shards(ServerState server)
    {
        var list = new List<Shard>();
        foreach (var k in Keys) Add(list, server.ShardOf(k));
        if (Destination != null) Add(list, server.ShardOf(Destination));
        return list;
    }

    static void Add(List<Shard> list, Shard s)
    {
        if (!list.Contains(s)) list.Add(s);
    }
}
