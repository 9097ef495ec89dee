using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>
/// One connection to the oracle and one to the server under test. Each command goes to both; the replies
/// are compared through <see cref="IntendedDifferences"/>, and a mismatch fails with the context needed
/// to reproduce it.
/// </summary>
public sealed class DualSession : IDisposable
{
    /// <summary>A step that is not sent: the runner sleeps this many milliseconds (arg 1).</summary>
    public const string PauseMarker = "__PAUSE__";

    private readonly ServerProcess _oracleServer;
    private readonly ServerProcess _targetServer;
    private readonly List<string> _recent = new();

    public RespConnection Oracle { get; }
    public RespConnection Target { get; }

    /// <summary>Free text put at the top of every failure message (e.g. the seed).</summary>
    public string Context { get; set; } = "";

    public DualSession(ServerProcess oracle, ServerProcess target)
    {
        _oracleServer = oracle;
        _targetServer = target;
        Oracle = oracle.Connect();
        Target = target.Connect();
    }

    public static byte[][] Command(params string[] args)
    {
        var parts = new byte[args.Length][];
        for (int i = 0; i < args.Length; i++)
            parts[i] = Encoding.UTF8.GetBytes(args[i]);
        return parts;
    }

    /// <summary>Sends one command to both and checks the replies; returns the oracle's reply.</summary>
    public byte[] Check(params string[] args) => Check(Command(args), index: -1);

    public byte[] Check(byte[][] command, int index)
    {
        Oracle.SendCommand(command);
        byte[] expected = Oracle.ReadReply();
        Target.SendCommand(command);
        byte[] actual = ReadTarget(command, index);
        Verify(command, index, expected, actual);
        return expected;
    }

    /// <summary>
    /// Sends <paramref name="commands"/> as one pipeline (one write) to each server, then reads and
    /// checks every reply in order. <paramref name="firstIndex"/> numbers them in failure messages.
    /// </summary>
    public void CheckPipeline(IReadOnlyList<byte[][]> commands, int firstIndex = 0)
    {
        var buffer = new System.IO.MemoryStream();
        foreach (byte[][] c in commands)
            buffer.Write(Resp.EncodeCommand(c));
        byte[] wire = buffer.ToArray();
        Oracle.Send(wire);
        var expected = new byte[commands.Count][];
        for (int i = 0; i < commands.Count; i++)
            expected[i] = Oracle.ReadReply();
        Target.Send(wire);
        for (int i = 0; i < commands.Count; i++)
        {
            byte[] actual = ReadTarget(commands[i], firstIndex + i);
            Verify(commands[i], firstIndex + i, expected[i], actual);
        }
    }

    /// <summary>Runs a generated sequence, in pipelines of up to <paramref name="batch"/> commands.</summary>
    public void Run(IReadOnlyList<byte[][]> steps, int batch)
    {
        var pending = new List<byte[][]>();
        int pendingStart = 0;
        for (int i = 0; i <= steps.Count; i++)
        {
            bool pause = i < steps.Count && Resp.AsString(steps[i][0]) == PauseMarker;
            if (i == steps.Count || pause || pending.Count == batch)
            {
                if (pending.Count == 1)
                    Check(pending[0], pendingStart);
                else if (pending.Count > 1)
                    CheckPipeline(pending, pendingStart);
                pending.Clear();
            }
            if (i == steps.Count)
                break;
            if (pause)
            {
                Remember(i, steps[i]);
                System.Threading.Thread.Sleep(int.Parse(Resp.AsString(steps[i][1]), System.Globalization.CultureInfo.InvariantCulture));
                continue;
            }
            if (pending.Count == 0)
                pendingStart = i;
            pending.Add(steps[i]);
        }
    }

    private byte[] ReadTarget(byte[][] command, int index)
    {
        try
        {
            return Target.ReadReply();
        }
        catch (Exception e) when (e is TimeoutException or RespConnectionClosedException or System.IO.IOException or System.Net.Sockets.SocketException)
        {
            Assert.Fail($"{Header(command, index)}\nno reply from the server under test: {e.Message}\n{RecentAndOutput()}");
            throw;
        }
    }

    private void Verify(byte[][] command, int index, byte[] expected, byte[] actual)
    {
        Remember(index, command);
        string? why = IntendedDifferences.Compare(command, expected, actual);
        if (why is null)
            return;
        Assert.Fail($"{Header(command, index)}\n{why}\n  oracle: {Resp.Escape(expected)}\n  target: {Resp.Escape(actual)}\n{RecentAndOutput()}");
    }

    private string Header(byte[][] command, int index) =>
        $"{Context}{(Context.Length > 0 ? ", " : "")}command #{index}: {Resp.EscapeCommand(command)}\n  against {_targetServer.Description}";

    private void Remember(int index, byte[][] command)
    {
        _recent.Add($"  #{index}: {Resp.EscapeCommand(command)}");
        if (_recent.Count > 15)
            _recent.RemoveAt(0);
    }

    private string RecentAndOutput()
    {
        string output = _targetServer.HasExited ? "\nserver under test has EXITED; its output:\n" + _targetServer.Output : "";
        return "recent commands:\n" + string.Join('\n', _recent) + output;
    }

    public void Dispose()
    {
        Oracle.Dispose();
        Target.Dispose();
        GC.KeepAlive(_oracleServer);
    }
}
