using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// MONITOR (Redis's replicationFeedMonitors): every command a client runs, as one status line, to every client in
/// monitor mode on every shard: <c>+1700000000.123456 [0 127.0.0.1:50000] "set" "k" "v"</c>.
/// <para>
/// Lines are fed by the session of the client that sent the command, on its home shard, as it runs or routes the
/// command (after it, for one that runs inline, so the database shown is the one after SELECT, as in Redis). A
/// line reaches the monitors of the same shard directly and every other shard with monitors through its mailbox,
/// which is FIFO per sending thread: so each client's commands appear in order on every monitor. Only sessions
/// feed, so work one shard does for another never appears. Redis hides commands flagged skip-monitor or admin,
/// commands refused before they run (unknown, wrong arity, NOAUTH), and redacts credentials (AUTH, HELLO ... AUTH,
/// MIGRATE ... AUTH/AUTH2).
/// </para>
/// </summary>
public sealed class Monitors
{
    readonly ServerState server;
    /// <summary>Monitor sessions by home shard; each list is read and changed only by its shard's thread.</summary>
    readonly List<Session>[] byShard;
    /// <summary>Monitors per shard, read by every feeding shard.</summary>
    readonly int[] counts;
    int total;

    public Monitors(ServerState server, int shards)
    {
        this.server = server;
        byShard = new List<Session>[shards];
        for (int i = 0; i < shards; i++) byShard[i] = new List<Session>();
        counts = new int[shards];
    }

    /// <summary>Whether any client anywhere monitors: the one check a command pays when nobody does.</summary>
    public bool Active => Volatile.Read(ref total) != 0;

    /// <summary>MONITOR, on the session's home shard.</summary>
    public void Add(Session s)
    {
        byShard[s.Home.Id].Add(s);
        Interlocked.Increment(ref counts[s.Home.Id]);
        Interlocked.Increment(ref total);
        s.Client.Monitor = true;
    }

    /// <summary>RESET or close, on the session's home shard.</summary>
    public void Remove(Session s)
    {
        if (!s.Client.Monitor) return;
        s.Client.Monitor = false;
        if (!byShard[s.Home.Id].Remove(s)) return;
        Interlocked.Decrement(ref counts[s.Home.Id]);
        Interlocked.Decrement(ref total);
    }

    /// <summary>Shows one command the client of <paramref name="from"/> runs in <paramref name="db"/>, unless Redis hides it.</summary>
    public void Feed(Session from, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, int db)
    {
        // The AOF's pseudo client is never shown (Redis's loader runs commands outside call()).
        if (Hidden(spec) || from.Client.AofLoader) return;
        Send(from.Home.Id, Format(from.Client.Address, spec, buf, args, db));
    }

    /// <summary>
    /// Redis hides skip-monitor and admin commands, but for EVAL, EVALSHA and FCALL (and their _RO forms), flagged
    /// skip-monitor yet fed by their own handlers before they run, so a script's calls appear after it.
    /// </summary>
    static bool Hidden(CommandSpec spec) =>
        (spec.Flags & (CommandFlags.SkipMonitor | CommandFlags.Admin)) != 0 && spec.Cross != CrossShard.Script;

    /// <summary>A call a script on <paramref name="home"/> made, once it ran: shown from the "lua" client, as Redis's script client.</summary>
    public void FeedScriptCall(Shard home, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, int db)
    {
        if (Hidden(spec)) return;
        Send(home.Id, Format("lua", spec, buf, args, db));
    }

    /// <summary>Shows a command that had no arguments (EXEC), by the name the client sent.</summary>
    public void FeedName(Session from, CommandSpec spec, byte[] name, int db)
    {
        var args = new ArgList();
        args.Add(0, name.Length);
        Feed(from, spec, name, args, db);
    }

    /// <summary>
    /// The lines of a transaction's queued commands, in order, formatted before EXEC runs them (EXEC empties the
    /// queue); SELECTs among them move the database shown, as they do when EXEC runs them. The lines up to the first
    /// script among them come out in <paramref name="beforeRun"/>, to be shown before EXEC runs it: the script's calls,
    /// shown as they run, then follow it as in Redis (a second script's calls come before its line).
    /// </summary>
    public byte[]? Record(Session from, MultiState m, out byte[]? beforeRun)
    {
        beforeRun = null;
        if (from.Client.AofLoader) return null;
        var all = new System.IO.MemoryStream();
        int db = from.Client.Db;
        for (int i = 0; i < m.Commands.Count; i++)
        {
            CommandSpec spec = m.Commands[i].Spec;
            ReadOnlySpan<byte> buf = m.Load(i);
            if (spec.ChangesDb && RespNumber.TryParseInt64(m.Args.Get(buf, 1), out long d) && d >= 0 && d < from.Home.Dbs.Length)
                db = (int)d;
            if (Hidden(spec)) continue;
            all.Write(Format(from.Client.Address, spec, buf, m.Args, db));
            if (spec.Cross == CrossShard.Script && beforeRun == null)
            {
                beforeRun = all.ToArray();
                all.SetLength(0);
            }
        }
        return all.Length == 0 ? null : all.ToArray();
    }

    /// <summary>Shows lines made by <see cref="Record"/>.</summary>
    public void FeedRecorded(Session from, byte[] lines) => Send(from.Home.Id, lines);

    void Send(int home, byte[] line)
    {
        for (int i = 0; i < counts.Length; i++)
        {
            if (Volatile.Read(ref counts[i]) == 0) continue;
            if (i == home) Deliver(server.Shards[i], line);
            else server.Shards[i].Mailbox.Post(new LineMessage(this, line));
        }
    }

    /// <summary>Writes a line to every monitor of <paramref name="shard"/>, on its thread.</summary>
    void Deliver(Shard shard, byte[] line)
    {
        foreach (Session m in byShard[shard.Id])
        {
            if (m.Closed) continue;
            m.PushWriter.Raw(line);
            m.Host?.OnSessionResumed(m);
        }
    }

    sealed class LineMessage(Monitors monitors, byte[] line) : ShardMessage
    {
        public override void Run(Shard shard) => monitors.Deliver(shard, line);
    }

    /// <summary>The status line: time with microseconds, database and peer, each argument quoted as Redis's sdscatrepr.</summary>
    static byte[] Format(string address, CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, int db)
    {
        long ticks = DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks;
        long micros = ticks / 10;
        var sb = new System.Text.StringBuilder(64);
        sb.Append('+').Append((micros / 1_000_000).ToString(CultureInfo.InvariantCulture)).Append('.')
          .Append((micros % 1_000_000).ToString("D6", CultureInfo.InvariantCulture))
          .Append(" [").Append(db.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(address).Append(']');
        int redactFrom = RedactFrom(spec, buf, args, out int redactTo);
        for (int i = 0; i < args.Count; i++)
        {
            sb.Append(' ');
            if (i >= redactFrom && i < redactTo) sb.Append("\"(redacted)\"");
            else Quote(sb, args.Get(buf, i));
        }
        sb.Append("\r\n");
        return System.Text.Encoding.Latin1.GetBytes(sb.ToString());
    }

    /// <summary>
    /// The arguments Redis replaces with "(redacted)" (redactClientCommandArgument): all of AUTH's; HELLO's two after
    /// AUTH; MIGRATE's one after AUTH or two after AUTH2. Returns the first index; <paramref name="to"/> is past the last.
    /// </summary>
    static int RedactFrom(CommandSpec spec, ReadOnlySpan<byte> buf, ArgList args, out int to)
    {
        to = 0;
        switch (spec.Redact)
        {
            case Redaction.AllArguments:
                to = args.Count;
                return 1;
            case Redaction.HelloAuth:
                // As HELLO reads its options: SETNAME takes one argument, AUTH two.
                for (int i = 2; i < args.Count; i++)
                {
                    int more = args.Count - 1 - i;
                    if (Ascii.EqualsIgnoreCase(args.Get(buf, i), "auth"u8) && more >= 2) { to = i + 3; return i + 1; }
                    if (Ascii.EqualsIgnoreCase(args.Get(buf, i), "setname"u8) && more >= 1) i++;
                }
                return int.MaxValue;
            case Redaction.MigrateAuth:
                for (int i = 6; i < args.Count; i++)
                {
                    if (Ascii.EqualsIgnoreCase(args.Get(buf, i), "auth"u8)) { to = i + 2; return i + 1; }
                    if (Ascii.EqualsIgnoreCase(args.Get(buf, i), "auth2"u8)) { to = i + 3; return i + 1; }
                }
                return int.MaxValue;
            default:
                return int.MaxValue;
        }
    }

    /// <summary>Redis's sdscatrepr: quoted, with \\ \" \n \r \t \a \b escaped and other non-printable bytes as \xhh.</summary>
    internal static void Quote(System.Text.StringBuilder sb, ReadOnlySpan<byte> arg)
    {
        sb.Append('"');
        foreach (byte b in arg)
        {
            switch (b)
            {
                case (byte)'\\': sb.Append("\\\\"); break;
                case (byte)'"': sb.Append("\\\""); break;
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\r': sb.Append("\\r"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                case 7: sb.Append("\\a"); break;
                case 8: sb.Append("\\b"); break;
                default:
                    if (b >= 0x20 && b < 0x7f) sb.Append((char)b);
                    else sb.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
                    break;
            }
        }
        sb.Append('"');
    }
}
