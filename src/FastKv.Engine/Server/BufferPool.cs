using System;
using System.Collections.Generic;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// A shard's connection buffers. The bytes live in <see cref="Chunks"/>, the shard's native chunk pool:
/// a connection holds chunks only while it has unparsed input or unsent output, so neither a storm of
/// connections nor a huge reply grows the GC heap, and memory returns to the OS when the shard idles
/// (<see cref="Idle"/>). The small managed objects around them (query buffers, reply writers) are
/// recycled here so connection churn does not churn the GC heap either. Only the shard thread uses it.
/// </summary>
public sealed class BufferPool : IDisposable
{
    const int MaxPooled = 1024;
    /// <summary>Warm chunks a shard keeps through an idle second: enough for a burst of small replies.</summary>
    const int IdleWarm = 8;
    public readonly ChunkPool Chunks = new();
    readonly Stack<InputBuffer> inputs = new();
    readonly Stack<RespWriter> writers = new();

    /// <summary>The connections' buffer bytes on this shard (INFO mem_clients_normal); readable from any thread.</summary>
    public long ClientBytes => Chunks.RentedBytes;

    /// <summary>
    /// What the shard holds for connection buffers: the chunks in use and the warm ones kept for the next read. A
    /// chunk moving between a connection and the warm list, as every request's does, leaves it unchanged.
    /// </summary>
    public long HeldBytes => Chunks.RentedBytes + (long)Chunks.WarmChunks * ChunkPool.ChunkSize;

    public InputBuffer RentInput() => inputs.Count > 0 ? inputs.Pop() : new InputBuffer(Chunks);

    public void Return(InputBuffer input)
    {
        input.Release();
        if (inputs.Count < MaxPooled) inputs.Push(input);
    }

    public RespWriter RentWriter()
    {
        if (writers.Count == 0) return new RespWriter(new OutputBuffer(Chunks));
        RespWriter w = writers.Pop();
        w.Protocol = 2;
        return w;
    }

    public void Return(RespWriter w)
    {
        w.Output.Clear();
        if (writers.Count < MaxPooled) writers.Push(w);
    }

    /// <summary>
    /// Once a second: give the memory of spare chunks back to the OS, keeping warm as many as the last second had
    /// rented beyond those rented now. A busy shard keeps its working set (trimming it made every connection fault
    /// fresh pages back in, and made the eviction budget swing by the chunks trimmed); a shard whose load went away
    /// keeps <see cref="IdleWarm"/> after a second.
    /// </summary>
    public void Idle()
    {
        int peak = Chunks.TakePeakRentedChunks();
        Chunks.Trim(Math.Max(IdleWarm, peak - Chunks.RentedChunks));
    }

    public void Dispose() => Chunks.Dispose();
}
