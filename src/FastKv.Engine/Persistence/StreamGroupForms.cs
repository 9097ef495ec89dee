using System;

namespace FastKv.Engine;

/// <summary>
/// What Redis 7.2 propagates for consumer-group reads in place of the command (t_stream.c's streamPropagateXCLAIM,
/// streamPropagateGroupID and streamPropagateConsumerCreation): one idempotent XCLAIM per delivered entry, XGROUP
/// SETID ... ENTRIESREAD after a NOACK read, XGROUP CREATECONSUMER for a consumer a NOACK read made. The command itself
/// is never propagated (preventCommandPropagation): <see cref="Begin"/> marks it so, whatever follows. Several records
/// of one command become one MULTI/EXEC unit in the executor's capture.
/// </summary>
public static unsafe class StreamGroupForms
{
    /// <summary>Marks the command propagated by its effects; false when nothing is to be recorded (AOF off). A run over
    /// gathered copies records too, with its real database index: its transaction takes the records into its unit
    /// (as <see cref="AofForms"/> says).</summary>
    public static bool Begin(ref CommandContext c)
    {
        c.Propagated = true;
        return c.Shard.Aof.On;
    }

    /// <summary>XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID group-last-id.</summary>
    public static void XClaim(ref CommandContext c, scoped ReadOnlySpan<byte> key, scoped ReadOnlySpan<byte> group, byte* g, byte* nack)
    {
        Span<byte> id = stackalloc byte[StreamId.MaxChars];
        XClaim(ref c, key, group, g, nack, id.Slice(0, StreamGroups.NackId(nack).Format(id)));
    }

    /// <summary>The same with the entry's ID as <paramref name="idText"/>: XCLAIM writes the ID as its client wrote it
    /// ("5" for 5-0), as Redis propagates c->argv[j].</summary>
    public static void XClaim(ref CommandContext c, scoped ReadOnlySpan<byte> key, scoped ReadOnlySpan<byte> group, byte* g, byte* nack,
        scoped ReadOnlySpan<byte> idText)
    {
        AofRecorder aof = c.Shard.Aof;
        Span<byte> id = stackalloc byte[StreamId.MaxChars];
        aof.Begin(c.DbIndex, 14);
        aof.Arg("XCLAIM"u8);
        aof.Arg(key);
        aof.Arg(group);
        aof.Arg(StreamGroups.ConsumerName(StreamGroups.NackConsumer(nack)));
        aof.Arg("0"u8);
        aof.Arg(idText);
        aof.Arg("TIME"u8);
        aof.Arg(StreamGroups.NackTime(nack));
        aof.Arg("RETRYCOUNT"u8);
        aof.Arg((long)StreamGroups.NackCount(nack));
        aof.Arg("FORCE"u8);
        aof.Arg("JUSTID"u8);
        aof.Arg("LASTID"u8);
        aof.Arg(id.Slice(0, StreamGroups.LastId(g).Format(id)));
        aof.End();
    }

    /// <summary>XGROUP SETID key group last-id ENTRIESREAD entries-read.</summary>
    public static void SetId(ref CommandContext c, scoped ReadOnlySpan<byte> key, scoped ReadOnlySpan<byte> group, byte* g)
    {
        AofRecorder aof = c.Shard.Aof;
        Span<byte> id = stackalloc byte[StreamId.MaxChars];
        aof.Begin(c.DbIndex, 7);
        aof.Arg("XGROUP"u8);
        aof.Arg("SETID"u8);
        aof.Arg(key);
        aof.Arg(group);
        aof.Arg(id.Slice(0, StreamGroups.LastId(g).Format(id)));
        aof.Arg("ENTRIESREAD"u8);
        aof.Arg(StreamGroups.EntriesRead(g));
        aof.End();
    }

    /// <summary>XGROUP CREATECONSUMER key group consumer.</summary>
    public static void CreateConsumer(ref CommandContext c, scoped ReadOnlySpan<byte> key, scoped ReadOnlySpan<byte> group,
        scoped ReadOnlySpan<byte> consumer)
    {
        AofRecorder aof = c.Shard.Aof;
        aof.Begin(c.DbIndex, 5);
        aof.Arg("XGROUP"u8);
        aof.Arg("CREATECONSUMER"u8);
        aof.Arg(key);
        aof.Arg(group);
        aof.Arg(consumer);
        aof.End();
    }
}
