using System;
using System.Threading;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// The messages one shard publishes for the subscribers of another: a single-producer, single-consumer queue of
/// records in native chunks of the producer's <see cref="ChunkPool"/>, and per record a small <see cref="Ticket"/>
/// posted to the consumer's mailbox, which delivers the next record when it runs. The ticket keeps the message's
/// place among everything else posted to that shard (a notification caused by a command on one shard, then one by
/// the client's next command on another, reach a subscriber in that order); the bytes never touch the GC heap, and
/// tickets are reused, so a burst of cross-shard messages leaves nothing there but the tickets it needed at once.
/// Chunks go back to the producer's pool as the consumer passes them, and to the OS with the pool's trim.
/// <para>
/// The producer is the publishing shard's thread (<see cref="Write"/>, <see cref="Release"/>); the consumer is the
/// subscribers' shard's thread (tickets run there). A chunk is [next chunk: 8][used bytes: 4][pad: 4][records]; a
/// record is a 16-byte header (payload length: 8, channel length: 4, flags: 4) and then either the channel and
/// message bytes, or, for a payload too large for a chunk, the address of its own mapping. The producer writes a
/// record, publishes the chunk's used count, then posts the ticket; it links a new chunk only after the old one's
/// last count, so a consumer that finds a next chunk has seen every record of the old one after reading its count
/// once more. Tickets of one producer arrive in posting order, so the k-th ticket delivers the k-th record.
/// </para>
/// </summary>
public sealed unsafe class PublishLink
{
    const int NextOffset = 0, UsedOffset = 8, FirstRecord = 16, HeaderSize = 16;
    const int ShardChannelFlag = 1, OutOfLineFlag = 2;
    /// <summary>The largest payload written inline: a chunk holds at least one.</summary>
    const int MaxInline = ChunkPool.ChunkSize - FirstRecord - HeaderSize;

    /// <summary>One record's place in the consumer's mailbox.</summary>
    sealed class Ticket(PublishLink link) : ShardMessage
    {
        public Ticket? NextFree;
        public override void Run(Shard shard) => link.Deliver(shard, this);
    }

    readonly PubSubHub hub;
    readonly ChunkPool pool;

    // Producer's: the chunk being written, the oldest chunk not yet given back (null when the link holds none), the
    // records written, and its free tickets.
    byte* tail, oldest;
    long written;
    Ticket? free;
    /// <summary>The most records in flight at once since the last <see cref="Release"/>: the tickets worth keeping.</summary>
    long peakInFlight;
    // Consumer's (also reset by the producer's Release, which runs only when every record was delivered).
    byte* read;
    int readPos;
    /// <summary>The chunk the consumer reads (every chunk before it is done with): written by the consumer, read by the producer.</summary>
    nint reading;
    /// <summary>Records delivered: written by the consumer after it is done with a record's bytes, read by the producer.</summary>
    long delivered;
    /// <summary>Tickets that ran, pushed by the consumer; the producer takes them all at once (so no ABA).</summary>
    Ticket? returned;

    public PublishLink(PubSubHub hub, Shard producer)
    {
        this.hub = hub;
        pool = producer.Buffers.Chunks;
    }

    static ref nint NextOf(byte* chunk) => ref *(nint*)(chunk + NextOffset);
    static ref int Used(byte* chunk) => ref *(int*)(chunk + UsedOffset);

    /// <summary>Producer: queues one message and posts the ticket that delivers it.</summary>
    public void Write(Shard target, bool shardChannel, ReadOnlySpan<byte> channel, ReadOnlySpan<byte> message)
    {
        // The ticket first: nothing can fail between writing a record and posting its ticket (a record without one
        // would put every later ticket one record behind).
        Ticket ticket = TakeTicket();
        long inFlight = written + 1 - Volatile.Read(ref delivered);
        if (inFlight > peakInFlight) peakInFlight = inFlight;
        long payload = (long)channel.Length + message.Length;
        bool inline = payload <= MaxInline;
        int recordSize = HeaderSize + (inline ? (int)(payload + 7 & ~7) : sizeof(long));
        byte* chunk = Room(recordSize);
        int at = Used(chunk);
        byte* rec = chunk + at;
        byte* data;
        if (inline) data = rec + HeaderSize;
        else
        {
            // Its own mapping, unmapped by the consumer once delivered (a mapping may be unmapped from any thread).
            data = ChunkPool.MapBlock((nuint)payload);
            *(long*)(rec + HeaderSize) = (long)data;
        }
        channel.CopyTo(new Span<byte>(data, channel.Length));
        message.CopyTo(new Span<byte>(data + channel.Length, message.Length));
        *(long*)rec = payload;
        *(int*)(rec + 8) = channel.Length;
        *(int*)(rec + 12) = (shardChannel ? ShardChannelFlag : 0) | (inline ? 0 : OutOfLineFlag);
        // The record's bytes before the count that shows it (a release store), and the count before the ticket.
        Volatile.Write(ref Used(chunk), at + recordSize);
        written++;
        target.Mailbox.Post(ticket);
    }

    Ticket TakeTicket()
    {
        free ??= Interlocked.Exchange(ref returned, null);
        // More records in flight than ever before: one more ticket, kept for reuse from then on.
        if (free == null) return new Ticket(this);
        Ticket t = free;
        free = t.NextFree;
        return t;
    }

    /// <summary>Producer: the chunk to write <paramref name="size"/> bytes into, a new one linked when the tail is full.</summary>
    byte* Room(int size)
    {
        if (tail == null)
        {
            // No chunk held (a fresh link, or one released while idle): the consumer starts where the producer does.
            byte* first = NewChunk();
            tail = oldest = read = first;
            readPos = FirstRecord;
            Volatile.Write(ref reading, (nint)first);
            return first;
        }
        if (Used(tail) + size <= ChunkPool.ChunkSize) return tail;
        GiveBackPassed();
        byte* next = NewChunk();
        // The old tail's last count is already published; the link comes after it.
        Volatile.Write(ref NextOf(tail), (nint)next);
        tail = next;
        return next;
    }

    byte* NewChunk()
    {
        byte* c = pool.Rent();
        // c is a whole chunk of ChunkSize bytes rented from our producer's pool, owned by this link until given back.
        NextOf(c) = 0;
        Used(c) = FirstRecord;
        return c;
    }

    /// <summary>Producer: returns the chunks the consumer has moved past to the pool.</summary>
    void GiveBackPassed()
    {
        byte* r = (byte*)Volatile.Read(ref reading);
        while (oldest != r)
        {
            // oldest precedes the consumer's chunk: the consumer never looks at it again, and only we link from it.
            byte* next = (byte*)NextOf(oldest);
            pool.Return(oldest);
            oldest = next;
        }
    }

    /// <summary>
    /// Producer, from its shard's cron: when every record was delivered, the link gives all its chunks back (an
    /// idle pair of shards holds no memory); otherwise only those the consumer has passed.
    /// </summary>
    public void Release()
    {
        if (tail == null) return;
        if (Volatile.Read(ref delivered) != written)
        {
            GiveBackPassed();
            return;
        }
        while (oldest != null)
        {
            // Every record in these chunks was delivered, and the consumer reads no chunk again before our next ticket.
            byte* next = (byte*)NextOf(oldest);
            pool.Return(oldest);
            oldest = next;
        }
        tail = read = null;
        Volatile.Write(ref reading, 0);
        // Idle: keep the tickets the last period needed (at least a few), let the rest of a burst's go to the collector.
        // One walk over the free list, then the returned ones, cut after the kept count.
        long kept = Math.Max(KeptTickets, peakInFlight);
        peakInFlight = 0;
        Ticket? back = Interlocked.Exchange(ref returned, null);
        free ??= Next(ref back);
        Ticket? last = free;
        for (long n = 1; last != null && n < kept; n++) last = last.NextFree ??= Next(ref back);
        if (last != null) last.NextFree = null;
    }

    /// <summary>Takes the first ticket off <paramref name="list"/>.</summary>
    static Ticket? Next(ref Ticket? list)
    {
        Ticket? t = list;
        if (t != null)
        {
            list = t.NextFree;
            t.NextFree = null;
        }
        return t;
    }

    /// <summary>Free tickets an idle link keeps.</summary>
    const int KeptTickets = 64;

    /// <summary>Consumer: a ticket ran; delivers its record, then gives the ticket back.</summary>
    void Deliver(Shard shard, Ticket t)
    {
        try
        {
            TakeOne(shard);
        }
        finally
        {
            // Nothing of the chunks is touched after this.
            Volatile.Write(ref delivered, delivered + 1);
            Ticket? head;
            do
            {
                head = Volatile.Read(ref returned);
                t.NextFree = head;
            } while (Interlocked.CompareExchange(ref returned, t, head) != head);
        }
    }

    /// <summary>Consumer: delivers the next record (its ticket was posted after it was written).</summary>
    void TakeOne(Shard shard)
    {
        while (readPos == Volatile.Read(ref Used(read)))
        {
            byte* next = (byte*)Volatile.Read(ref NextOf(read));
            // A ticket comes after its record: a missing one is a bug, and delivering nothing is the safe answer.
            if (next == null) return;
            // The producer linked next after its last record here: read the count once more before leaving.
            if (readPos != Volatile.Read(ref Used(read))) break;
            read = next;
            readPos = FirstRecord;
            Volatile.Write(ref reading, (nint)next);
        }
        // read + readPos is a whole record the producer published (readPos < Used(read), records never span chunks).
        byte* rec = read + readPos;
        long payload = *(long*)rec;
        int channelLength = *(int*)(rec + 8);
        int flags = *(int*)(rec + 12);
        bool inline = (flags & OutOfLineFlag) == 0;
        readPos += HeaderSize + (inline ? (int)(payload + 7 & ~7) : sizeof(long));
        byte* data = inline ? rec + HeaderSize : (byte*)*(long*)(rec + HeaderSize);
        try
        {
            // data..data+payload holds the channel then the message, written before the count we read.
            var channel = new ReadOnlySpan<byte>(data, channelLength);
            var message = new ReadOnlySpan<byte>(data + channelLength, (int)(payload - channelLength));
            hub.Local(shard).Deliver((flags & ShardChannelFlag) != 0, channel, message);
        }
        finally
        {
            if (!inline) ChunkPool.UnmapBlock(data, (nuint)payload);
        }
    }
}
