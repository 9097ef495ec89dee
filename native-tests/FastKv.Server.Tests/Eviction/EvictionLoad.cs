using System;
using System.Globalization;
using System.IO;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Eviction;

/// <summary>
/// Writes that push a server past its maxmemory: SETs sent in pipelines (one write per batch, the replies read
/// after), the way memtier_benchmark loads a cache, so a fill of many megabytes stays fast on a loaded machine.
/// Keys are prefix + a fixed-width decimal number, so one batch's bytes are built once and only the digits change.
/// </summary>
static class EvictionLoad
{
    public const int Batch = 64;
    const int Digits = 9;

    /// <summary>
    /// SETs keys prefix+first .. prefix+(first+count-1) to values of <paramref name="valueBytes"/> bytes, with
    /// <paramref name="options"/> after the value (EX 1000, say); every reply must be +OK (a cache under an allkeys-*
    /// policy never refuses a write). Returns the number written.
    /// </summary>
    public static int SetPipelined(RespConnection c, string prefix, long first, int count, int valueBytes, params string[] options)
    {
        int written = SetUntilRefused(c, prefix, first, count, valueBytes, out byte[]? refusal, options);
        if (refusal is not null)
            Assert.Fail($"SET {prefix}{Key(first + written)} ({valueBytes} bytes) on port {c.Port}: {Resp.Escape(refusal)}");
        return written;
    }

    /// <summary>
    /// As <see cref="SetPipelined"/>, but stops at the first batch holding a reply other than +OK: returns the number
    /// of SETs answered +OK before the first such reply, which goes to <paramref name="refusal"/> (the rest of that
    /// batch is read and dropped).
    /// </summary>
    public static int SetUntilRefused(RespConnection c, string prefix, long first, int count, int valueBytes, out byte[]? refusal, params string[] options)
    {
        refusal = null;
        byte[] one = OneSet(prefix, valueBytes, options, out int digitsAt);
        byte[] wire = new byte[one.Length * Batch];
        int ok = 0;
        for (int i = 0; i < count; i += Batch)
        {
            int n = Math.Min(Batch, count - i);
            for (int j = 0; j < n; j++)
            {
                one.CopyTo(wire, j * one.Length);
                Encoding(Key(first + i + j)).CopyTo(wire, j * one.Length + digitsAt);
            }
            c.Send(wire.AsSpan(0, n * one.Length));
            for (int j = 0; j < n; j++)
            {
                byte[] reply = c.ReadReply();
                if (refusal is null && !(reply.Length == 5 && reply[0] == (byte)'+' && reply[1] == (byte)'O'))
                    refusal = reply;
                else if (refusal is null)
                    ok++;
            }
            if (refusal is not null)
                return ok;
        }
        return ok;
    }

    public static string Key(long n) => n.ToString("D" + Digits, CultureInfo.InvariantCulture);

    static byte[] Encoding(string digits) => Resp.Latin1.GetBytes(digits);

    /// <summary>One encoded SET with key prefix + 9 zeros; <paramref name="digitsAt"/> is where the digits start.</summary>
    static byte[] OneSet(string prefix, int valueBytes, string[] options, out int digitsAt)
    {
        byte[][] args = new byte[3 + options.Length][];
        args[0] = Resp.Bytes("SET");
        args[1] = Resp.Bytes(prefix + Key(0));
        args[2] = new byte[valueBytes];
        args[2].AsSpan().Fill((byte)'v');
        for (int i = 0; i < options.Length; i++)
            args[3 + i] = Resp.Bytes(options[i]);
        byte[] encoded = Resp.EncodeCommand(args);
        // "*N\r\n$3\r\nSET\r\n$L\r\n" precedes the key.
        string head = "*" + args.Length.ToString(CultureInfo.InvariantCulture) + "\r\n$3\r\nSET\r\n$"
            + args[1].Length.ToString(CultureInfo.InvariantCulture) + "\r\n";
        digitsAt = head.Length + Resp.Bytes(prefix).Length;
        return encoded;
    }
}
