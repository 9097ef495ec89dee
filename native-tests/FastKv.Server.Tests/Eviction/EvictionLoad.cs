using System;
using System.Globalization;
using System.IO;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Eviction;

/// <summary>
/// Writes that push a server past its maxmemory: SETs sent in pipelines (one write per batch, the replies read
/// after), the way memtier_benchmark loads a cache, so a fill of many megabytes stays fast on a loaded machine.
/// </summary>
static class EvictionLoad
{
    public const int Batch = 64;

    /// <summary>
    /// SETs keys prefix+first .. prefix+(first+count-1) to values of <paramref name="valueBytes"/> bytes; every
    /// reply must be +OK (a cache under an allkeys-* policy never refuses a write). Returns the number written.
    /// </summary>
    public static int SetPipelined(RespConnection c, string prefix, int first, int count, int valueBytes, params string[] options)
    {
        byte[] value = new byte[valueBytes];
        value.AsSpan().Fill((byte)'v');
        byte[] command = Resp.Bytes("SET");
        byte[][] extra = Array.ConvertAll(options, Resp.Bytes);
        var wire = new MemoryStream();
        for (int i = 0; i < count; i += Batch)
        {
            int n = Math.Min(Batch, count - i);
            wire.SetLength(0);
            for (int j = 0; j < n; j++)
            {
                byte[][] args = new byte[3 + extra.Length][];
                args[0] = command;
                args[1] = Resp.Bytes(prefix + (first + i + j).ToString(CultureInfo.InvariantCulture));
                args[2] = value;
                extra.CopyTo(args, 3);
                wire.Write(Resp.EncodeCommand(args));
            }
            c.Send(wire.GetBuffer().AsSpan(0, (int)wire.Length));
            for (int j = 0; j < n; j++)
            {
                byte[] reply = c.ReadReply();
                if (reply.Length != 5 || Resp.AsString(reply) != "+OK\r\n")
                    Assert.Fail($"SET {prefix}{first + i + j} ({valueBytes} bytes) on port {c.Port}: {Resp.Escape(reply)}");
            }
        }
        return count;
    }
}
