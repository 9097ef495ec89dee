using System;
using System.Collections.Generic;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// One shard's lazy free (Redis's lazyfree.c): values too big to free inside the command that dropped them (UNLINK,
/// DEL under lazyfree-lazy-user-del, overwrites under lazyfree-lazy-server-del, expiry and eviction under their
/// settings) and whole keyspace tables (FLUSHALL/FLUSHDB ASYNC, or lazyfree-lazy-user-flush) are freed a bounded
/// step per loop iteration instead. Redis hands them to a background thread; here the arena belongs to the shard's
/// thread, so the shard frees them itself, in steps of <see cref="StepBudget"/> allocations between the commands it
/// serves: no pause grows with the value. The counts are Redis's: a value counts one object, a flushed table one per
/// key, pending until its last step (INFO lazyfree_pending_objects), freed after (lazyfreed_objects). A value goes
/// the lazy way only when its free effort (<see cref="Collection.FreeEffort"/>) is over <see cref="Threshold"/>, as in Redis.
/// Only this shard's thread uses it.
/// </summary>
public sealed unsafe class LazyFree(Shard shard)
{
    readonly Arena arena = shard.Arena;

    /// <summary>Redis's LAZYFREE_THRESHOLD: values of at most this effort are freed at once.</summary>
    public const int Threshold = 64;

    /// <summary>Allocations freed per loop iteration: about 100 us of work, so a step never holds the clients up long.</summary>
    public const int StepBudget = 4096;

    /// <summary>
    /// A value (<see cref="Ptr"/>) or a keyspace table (<see cref="Table"/>) to free. Unsafe invariant: the structure is
    /// out of every keyspace and nothing but this job refers to it, so each step may free any part of it.
    /// </summary>
    sealed class Job
    {
        public byte Type, Encoding;
        public byte* Ptr;
        public Collection.FreeCursor Cursor;
        public KeyTable? Table;
        public uint TableCursor;
        /// <summary>Objects this job stands for in the counts: 1 for a value, the keys for a table, 0 for a value of a flushed table.</summary>
        public long Objects;
        /// <summary>Arena bytes of a value not yet freed (its MEMORY USAGE when taken, less what steps gave back); 0 for a table.</summary>
        public long Bytes;
    }

    readonly Queue<Job> jobs = new();

    /// <summary>Redis's lazyfree_objects: objects handed over and not yet freed.</summary>
    public long Pending { get; private set; }

    /// <summary>Redis's lazyfreed_objects: objects freed the lazy way since the start or CONFIG RESETSTAT.</summary>
    public long Freed { get; private set; }

    /// <summary>
    /// Arena bytes of the values taken and not yet freed. Eviction counts them as gone (<see cref="Evictor.Counted"/>):
    /// under lazyfree-lazy-eviction an evicted value is freed only after the eviction loop, which must not take more keys
    /// meanwhile for memory already given up (Redis's loop sees its free thread's progress as it goes). A flushed
    /// table's memory counts until it is freed, as Redis's used_memory counts it until its thread has freed it.
    /// </summary>
    public long PendingBytes { get; private set; }

    /// <summary>Whether steps remain: the loop does not sleep while so.</summary>
    public bool Busy => jobs.Count != 0;

    public void ResetStats() => Freed = 0;

    /// <summary>
    /// Redis's freeObjAsync for an entry's value: when its effort is over <see cref="Threshold"/>, the value is taken for
    /// freeing in steps (true; the caller frees only the entry's blob); false when the caller frees it now.
    /// </summary>
    public bool TryTake(byte* e) => TryTake(e, objects: 1);

    bool TryTake(byte* e, long objects)
    {
        byte type = KeyEntry.Type(e);
        if (type == ValueKind.String || KeyEntry.IsInline(e)) return false;
        byte enc = KeyEntry.Encoding(e);
        byte* p = Collection.Ptr(e);
        if (Collection.FreeEffort(type, enc, p) <= Threshold) return false;
        long bytes = Collection.BytesUsed(type, enc, p);
        jobs.Enqueue(new Job { Type = type, Encoding = enc, Ptr = p, Objects = objects, Bytes = bytes });
        Pending += objects;
        PendingBytes += bytes;
        return true;
    }

    /// <summary>Redis's emptyDbAsync: a table taken out of its database, with its keys, freed in steps.</summary>
    public void TakeTable(KeyTable table, long keys)
    {
        jobs.Enqueue(new Job { Table = table, Objects = keys });
        Pending += keys;
    }

    /// <summary>Once per loop iteration while <see cref="Busy"/>: frees about <see cref="StepBudget"/> allocations.</summary>
    public void Step()
    {
        int budget = StepBudget;
        while (budget > 0 && jobs.Count != 0)
        {
            Job j = jobs.Peek();
            long before = arena.UsedBytes;
            bool done = j.Table != null ? TableStep(j, ref budget)
                : Collection.FreeSome(arena, j.Type, j.Encoding, j.Ptr, ref j.Cursor, ref budget);
            long gone = done ? j.Bytes : Math.Min(j.Bytes, before - arena.UsedBytes);
            j.Bytes -= gone;
            PendingBytes -= gone;
            if (!done) return;
            jobs.Dequeue();
            Pending -= j.Objects;
            Freed += j.Objects;
        }
    }

    /// <summary>Frees a flushed table's entries segment by segment (a big value among them becomes a job of its own), then the table.</summary>
    bool TableStep(Job j, ref int budget)
    {
        var visitor = new EntryFreer { Owner = this };
        do
        {
            j.TableCursor = j.Table!.Scan(j.TableCursor, ref visitor);
            budget -= visitor.Freed + 1;
            visitor.Freed = 0;
        } while (j.TableCursor != 0 && budget > 0);
        if (j.TableCursor != 0) return false;
        j.Table.Dispose();
        return true;
    }

    /// <summary>Frees each entry of a flushed table, leaving the table's slots to <see cref="KeyTable.Dispose"/>.</summary>
    struct EntryFreer : IEntryVisitor
    {
        public LazyFree Owner;
        public int Freed;

        public bool Visit(byte* entry)
        {
            Arena arena = Owner.arena;
            // Counted with the table's keys already: a big value is a job of no objects of its own.
            if (!Owner.TryTake(entry, objects: 0)) Collection.FreeValue(arena, entry);
            arena.Free(entry, (nuint)KeyEntry.AllocSize(entry));
            Freed++;
            return false;
        }
    }
}
