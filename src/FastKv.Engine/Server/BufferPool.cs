using System.Collections.Generic;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// A shard's free lists of connection buffers: input arrays of the standard size and reply
/// writers with their output buffers. A connection takes them when accepted and gives them back
/// when it closes, so connection churn does not churn the GC heap. Only the shard thread uses it.
/// </summary>
public sealed class BufferPool
{
    public const int InputSize = 16 * 1024;
    const int OutputRetained = 16 * 1024;
    const int MaxPooled = 1024;
    readonly Stack<byte[]> inputs = new();
    readonly Stack<RespWriter> writers = new();

    public byte[] RentInput() => inputs.Count > 0 ? inputs.Pop() : new byte[InputSize];

    public void Return(byte[] input)
    {
        // Buffers that grew for a large request go back to the GC; only the standard size is kept.
        if (input.Length == InputSize && inputs.Count < MaxPooled) inputs.Push(input);
    }

    public RespWriter RentWriter()
    {
        if (writers.Count == 0) return new RespWriter(new OutputBuffer(OutputRetained));
        RespWriter w = writers.Pop();
        w.Protocol = 2;
        return w;
    }

    public void Return(RespWriter w)
    {
        if (writers.Count >= MaxPooled) return;
        w.Output.Clear();
        w.Output.Shrink(OutputRetained);
        writers.Push(w);
    }
}
