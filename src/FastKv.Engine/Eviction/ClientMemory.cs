using System.Numerics;
using System.Runtime.InteropServices;
using System.Threading;

namespace FastKv.Engine;

/// <summary>
/// Client eviction (<c>maxmemory-clients</c>, Redis 7's evictClients in networking.c), one shard's part. When the
/// memory of every client reaches the limit, the clients using the most are disconnected until it is under again;
/// CLIENT NO-EVICT clients never are. Redis exempts masters and replicas too (FastKv has neither) but not MONITOR
/// clients, which it counts as normal; pubsub clients are evictable like normal ones.
/// <para>
/// <b>Accounting.</b> A client's memory is its connection's buffers (query buffer, unsent output, replies staged
/// in a pass, a MULTI queue: <see cref="Session.MemoryBytes"/>) plus <see cref="ClientStructBytes"/> for the objects
/// around them, as Redis's getClientMemoryUsage adds the client struct and argv to its buffers. The loop measures
/// a connection after every flush (so after each read's commands, each delivered push, each write), and every
/// connection in its once-a-second cron; <see cref="Client.TrackedMemory"/> keeps the last figure (CLIENT LIST
/// tot-mem). Each evictable client sits in one of Redis's buckets, log2 of its memory (up to 32 KB, 64 KB, ...,
/// 4 GB and more: CLIENT_MEM_USAGE_BUCKETS); only the number per bucket is kept, not lists.
/// </para>
/// <para>
/// <b>The limit is global.</b> Each shard publishes one word, its clients' total and its highest non-empty bucket,
/// in a padded slot (one atomic write, so a reader never sees a total and a bucket from different moments). The
/// shard whose bucket is highest (the lowest id among equals) evicts from that bucket, the largest of its clients
/// there first, while the sum of every shard's total is at or over the limit; another shard that sees the sum over
/// wakes it. One shard evicts at a time (a turn taken with a compare-and-swap, only while over the limit), so two
/// shards never evict for the same excess. As in Redis, the sum counts NO-EVICT clients' memory too, so a huge
/// NO-EVICT client gets the others evicted.
/// </para>
/// <para>
/// <b>When.</b> Redis evicts before each command and before each sleep. A shard decides once per loop iteration,
/// after it has flushed the connections it served (<see cref="BucketToEvict"/>), so a client can pass the limit by
/// the replies of one read before it goes. With maxmemory-clients 0 (the default) nothing is measured: the loop
/// reads the setting once per iteration and once per flush.
/// </para>
/// Owned by the shard thread, but for the published slot, which any shard reads.
/// </summary>
public sealed class ClientMemory
{
    /// <summary>Redis's CLIENT_MEM_USAGE_BUCKET_MIN_LOG and MAX_LOG: bucket 0 holds clients up to 32 KB, the last those from 4 GB.</summary>
    const int MinLog = 15, MaxLog = 33;
    public const int Buckets = MaxLog - MinLog + 1;
    /// <summary>Redis's floor on the limit: less would leave no room to talk to the server at all.</summary>
    public const long MinLimit = 128 * 1024;
    /// <summary>
    /// Managed memory of one connection beyond its buffers: Client, Session, ReplyOrder and its slots, argument
    /// offsets, writer, query-buffer object and addresses (1.3 KB measured, which an engine test checks), plus the
    /// loop's connection and registry entry. Redis's client struct and default reply buffer come to about 18 KB.
    /// </summary>
    public const long ClientStructBytes = 1536;

    /// <summary>The published word: [highest bucket + 1: 8 bits][clients' total bytes: 56 bits].</summary>
    const int BucketShift = 56;
    const long BytesMask = (1L << BucketShift) - 1;

    /// <summary>A word alone on its cache lines, so publishing does not slow neighbouring fields of other shards.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    struct PaddedWord
    {
        [FieldOffset(64)] public long Value;
    }

    readonly Shard shard;
    readonly ServerConfig config;
    PaddedWord published;
    /// <summary>Sum of <see cref="Client.TrackedMemory"/> of this shard's clients while tracking.</summary>
    long total;
    /// <summary>Evictable clients per bucket; <see cref="top"/> is the highest non-empty one, -1 if none.</summary>
    readonly int[] counts = new int[Buckets];
    int top = -1;
    /// <summary>The millisecond this shard last woke the shard that must evict (at most one wake per ms).</summary>
    long lastWakeMs = -1;

    public ClientMemory(Shard shard)
    {
        this.shard = shard;
        config = shard.Server.Config;
    }

    /// <summary>Measuring: maxmemory-clients was non-zero at this shard's last loop iteration.</summary>
    public bool On { get; private set; }

    /// <summary>This shard's clients' memory while <see cref="On"/>.</summary>
    public long Total => total;

    /// <summary>Highest bucket holding an evictable client of this shard, -1 if none.</summary>
    public int TopBucket => top;

    /// <summary>Redis's getClientEvictionLimit: the limit in bytes, 0 for none. A percentage of a zero maxmemory is none.</summary>
    public static long Limit(ServerConfig config)
    {
        long setting = config.MaxMemoryClients;
        if (setting == 0) return 0;
        long limit;
        if (setting < 0)
        {
            if (config.MaxMemory <= 0) return 0;
            double bytes = (double)config.MaxMemory * -(double)setting / 100;
            limit = bytes >= long.MaxValue ? long.MaxValue : (long)bytes;
        }
        else limit = setting;
        return limit < MinLimit ? MinLimit : limit;
    }

    /// <summary>Redis's getMemUsageBucket: the bit length of the byte count, clamped to [15, 33], from 0.</summary>
    public static int BucketOf(long bytes)
    {
        int bits = 64 - BitOperations.LeadingZeroCount((ulong)bytes);
        if (bits > MaxLog) bits = MaxLog;
        else if (bits < MinLog) bits = MinLog;
        return bits - MinLog;
    }

    /// <summary>What a connection holds now, buffers and objects.</summary>
    public static long Of(Session s) => s.MemoryBytes + ClientStructBytes;

    /// <summary>
    /// The loop's check once per iteration: switches measuring on or off with the setting. True when it just went
    /// on: the loop then <see cref="Enroll"/>s every connection it has.
    /// </summary>
    public bool Switch()
    {
        bool want = config.MaxMemoryClients != 0;
        if (want == On) return false;
        On = want;
        total = 0;
        top = -1;
        System.Array.Clear(counts);
        Publish();
        return want;
    }

    /// <summary>Starts tracking a connection that was there before measuring went on (its fields may be stale).</summary>
    public void Enroll(Session s)
    {
        s.Client.TrackedMemory = 0;
        s.Client.MemoryBucket = -1;
        Measure(s);
    }

    /// <summary>Redis's updateClientMemUsageAndBucket: the connection's memory now, and its bucket if it may be evicted.</summary>
    public void Measure(Session s)
    {
        Client c = s.Client;
        long bytes = Of(s);
        total += bytes - c.TrackedMemory;
        c.TrackedMemory = bytes;
        int bucket = c.NoEvict ? -1 : BucketOf(bytes);
        if (bucket != c.MemoryBucket) Move(c, bucket);
    }

    /// <summary>The connection closed (evicted, killed or gone): its memory leaves the total.</summary>
    public void Forget(Client c)
    {
        total -= c.TrackedMemory;
        c.TrackedMemory = 0;
        if (c.MemoryBucket >= 0) Move(c, -1);
    }

    void Move(Client c, int bucket)
    {
        int old = c.MemoryBucket;
        c.MemoryBucket = bucket;
        if (old >= 0) counts[old]--;
        if (bucket >= 0) counts[bucket]++;
        if (bucket > top) top = bucket;
        else if (old == top)
            while (top >= 0 && counts[top] == 0) top--;
    }

    /// <summary>Makes this shard's total and top bucket visible to the others (a write only when they changed).</summary>
    void Publish()
    {
        long word = (long)(top + 1) << BucketShift | (total & BytesMask);
        if (published.Value != word) Volatile.Write(ref published.Value, word);
    }

    /// <summary>
    /// Once per loop iteration while <see cref="On"/>: the bucket this shard must evict a client from now, or -1
    /// (under the limit, nothing evictable anywhere, or another shard holds the largest clients: that one is woken).
    /// The loop evicts the largest of its clients in the bucket, then asks again. Shards take turns
    /// (<see cref="ServerState.ClientEvictionTurn"/>): the one whose turn it is decides on totals every earlier
    /// evictor published before it let go, so two shards never both evict for the same excess. A shard keeps its
    /// turn until this returns -1 (or <see cref="EndTurn"/>).
    /// </summary>
    public int BucketToEvict()
    {
        Publish();
        if (!Decide(out int bucket, out Shard? evictor)) return EndTurn();
        if (evictor != shard)
        {
            EndTurn();
            Wake(evictor!);
            return -1;
        }
        ServerState server = shard.Server;
        if (Volatile.Read(ref server.ClientEvictionTurn) != shard.Id)
        {
            // Another shard is evicting: it wakes this one if the largest clients are here once it is done.
            if (Interlocked.CompareExchange(ref server.ClientEvictionTurn, shard.Id, -1) != -1) return -1;
            if (!Decide(out bucket, out evictor) || evictor != shard) return EndTurn();
        }
        return bucket;
    }

    /// <summary>Over the limit: the highest bucket holding an evictable client and the first shard holding one there.</summary>
    bool Decide(out int bucket, out Shard? evictor)
    {
        bucket = -1;
        evictor = null;
        long limit = Limit(config);
        if (limit == 0) return false;
        long sum = 0;
        foreach (Shard s in shard.Server.Shards)
        {
            long word = Volatile.Read(ref s.ClientMemory.published.Value);
            sum += word & BytesMask;
            int b = (int)(word >>> BucketShift) - 1;
            if (b > bucket)
            {
                bucket = b;
                evictor = s;
            }
        }
        return sum >= limit && evictor != null; // over with no evictable client: Redis logs it and goes on
    }

    /// <summary>Gives the turn back if this shard holds it (its last eviction is published already); returns -1.</summary>
    public int EndTurn()
    {
        if (shard.Server.ClientEvictionTurn == shard.Id)
        {
            Publish();
            Volatile.Write(ref shard.Server.ClientEvictionTurn, -1);
        }
        return -1;
    }

    void Wake(Shard evictor)
    {
        if (lastWakeMs == shard.NowMs) return;
        lastWakeMs = shard.NowMs;
        evictor.Mailbox.Waker?.Wake();
    }
}
