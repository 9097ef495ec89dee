using System;
using System.Collections.Generic;
using System.Globalization;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// Runs commands on Redis and on FastKv side by side and compares what each command added to the server's
/// change counter (Redis's server.dirty, shown as INFO persistence <c>rdb_changes_since_last_save</c>), command
/// by command. Each server has a client connection that runs the commands and an observer connection that
/// reads the counter before and after each one (from outside, so it also works inside MULTI). Mismatches are
/// collected, not thrown, so one run reports every command that counts differently.
/// </summary>
public sealed class DirtyRun : IDisposable
{
    /// <summary>One server: its process, the connection that runs the commands and the one that reads INFO.</summary>
    public sealed class Side(ServerProcess server)
    {
        public ServerProcess Server { get; } = server;
        public RespConnection Client { get; } = server.Connect();
        public RespConnection Observer { get; } = server.Connect();

        /// <summary>rdb_changes_since_last_save now.</summary>
        public long Dirty()
        {
            string info = Resp.AsString(Observer.Call("INFO", "persistence"));
            const string field = "rdb_changes_since_last_save:";
            int at = info.IndexOf(field, StringComparison.Ordinal);
            Assert.True(at >= 0, $"{Server.Description}: INFO persistence has no {field}\n{info}");
            int start = at + field.Length;
            return long.Parse(info.AsSpan(start, info.IndexOf('\r', start) - start), CultureInfo.InvariantCulture);
        }

        /// <summary>An INFO field as text (e.g. evicted_keys from "stats").</summary>
        public string InfoField(string section, string name)
        {
            string info = Resp.AsString(Observer.Call("INFO", section));
            int at = info.IndexOf(name + ":", StringComparison.Ordinal);
            Assert.True(at >= 0, $"{Server.Description}: INFO {section} has no {name}");
            int start = at + name.Length + 1;
            return info.Substring(start, info.IndexOf('\r', start) - start);
        }

        /// <summary>Waits until <paramref name="count"/> clients are blocked (a blocking pop has parked).</summary>
        public void WaitBlocked(int count)
        {
            for (int i = 0; i < 1000; i++)
            {
                if (int.Parse(InfoField("clients", "blocked_clients"), CultureInfo.InvariantCulture) >= count)
                    return;
                System.Threading.Thread.Sleep(10);
            }
            Assert.Fail($"{Server.Description}: {count} blocking command(s) did not block");
        }

        public void Dispose()
        {
            Client.Dispose();
            Observer.Dispose();
        }
    }

    private readonly List<string> _mismatches = new();
    private readonly string _context;
    private int _steps;
    private long _oracleTotal;

    public Side Oracle { get; }
    public Side Target { get; }

    public DirtyRun(ServerProcess oracle, ServerProcess target, string context)
    {
        Oracle = new Side(oracle);
        Target = new Side(target);
        _context = context;
    }

    /// <summary>Runs a command on both servers and compares the change each one counted for it.</summary>
    public void Step(params string[] command) =>
        Around(Resp.EscapeCommand(DualSession.Command(command)), side => Resp.AsString(side.Client.Call(command)));

    /// <summary>
    /// Measures the change counted across <paramref name="act"/> on each server (a push that serves a blocked
    /// client, say), and compares; <paramref name="act"/> returns what to show on a mismatch.
    /// </summary>
    public void Around(string label, Func<Side, string> act)
    {
        long o0 = Oracle.Dirty();
        string oReply = act(Oracle);
        long o1 = Oracle.Dirty();
        long t0 = Target.Dirty();
        string tReply = act(Target);
        long t1 = Target.Dirty();
        _steps++;
        _oracleTotal += o1 - o0;
        if (o1 - o0 != t1 - t0)
        {
            _mismatches.Add($"  #{_steps} {label}: Redis counted {o1 - o0}, FastKv {t1 - t0}"
                + $"\n      replies: Redis {Resp.Escape(Resp.Latin1.GetBytes(oReply), 200)} FastKv {Resp.Escape(Resp.Latin1.GetBytes(tReply), 200)}");
        }
    }

    /// <summary>Runs a command on both servers without comparing (setup whose count legitimately differs).</summary>
    public void Unchecked(params string[] command)
    {
        Oracle.Client.Call(command);
        Target.Client.Call(command);
    }

    /// <summary>Fails with every command that counted differently; also fails when the stream changed nothing.</summary>
    public void AssertAllMatched()
    {
        Target.Server.AssertAlive();
        Assert.True(_mismatches.Count == 0,
            $"{_context}, against {Target.Server.Description}: {_mismatches.Count} of {_steps} commands changed "
            + "rdb_changes_since_last_save by a different amount than Redis 7.2.4:\n" + string.Join('\n', _mismatches));
        Assert.True(_oracleTotal > 0, $"{_context}: the stream made no change on Redis; it tests nothing");
    }

    public void Dispose()
    {
        Oracle.Dispose();
        Target.Dispose();
    }
}
