using System.Collections.Generic;
using System.Globalization;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Tracking;

/// <summary>
/// CLIENT TRACKING against Redis 7.2.4: the same scripts on the oracle and on FastKv with --threads 4 and 1, comparing
/// each connection's replies and invalidations (<see cref="TrackedConnections"/>). Keys carry hash tags that put them
/// on the four shards of --threads 4, so a read, the write that invalidates it and the tracking connection's home
/// are on different shards.
/// </summary>
public class TrackingDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<int>> Threads() => [new(4), new(1)];

    private static readonly string[] G = Groups(4);

    private void Compare(int threads, string name, System.Action<TrackedConnections> script, bool exact = false) =>
        TrackedConnections.Compare(servers.Oracle.Server, servers.TargetWithThreads(threads).Server,
            $"{name}, --threads {threads}", script, exact);

    [Theory]
    [MemberData(nameof(Threads))]
    public void DefaultMode_ReadKeysInvalidatedOnceByOtherClients(int threads) => Compare(threads, "default mode", s =>
    {
        s.Run("a", "HELLO", "3");
        s.Run("a", "CLIENT", "TRACKING", "ON");
        s.Run("b", "SET", G[0] + "k", "0");
        s.Run("a", "GET", G[0] + "k");
        s.Run("a", "MGET", G[1] + "k", G[2] + "k");
        s.Run("a", "HGET", G[3] + "h", "f");
        s.Run("a", "EXISTS", G[2] + "missing");
        s.Run("b", "SET", G[0] + "k", "1");
        s.Run("b", "SET", G[0] + "k", "2"); // forgotten after the first invalidation
        s.Run("b", "SET", G[1] + "k", "1");
        s.Run("b", "DEL", G[2] + "k"); // no such key: nothing changed, nothing sent
        s.Run("b", "HSET", G[3] + "h", "f", "v");
        s.Run("b", "SET", G[2] + "missing", "x");
        s.Run("a", "GET", G[0] + "k");
        s.Run("b", "APPEND", G[0] + "k", "x");
        s.Run("a", "CLIENT", "TRACKINGINFO");
        s.Run("a", "CLIENT", "GETREDIR");
        s.Run("a", "CLIENT", "TRACKING", "OFF");
        s.Run("a", "GET", G[1] + "k");
        s.Run("b", "SET", G[1] + "k", "2"); // read with tracking off: nothing
        s.Run("a", "CLIENT", "TRACKINGINFO");
    });

    /// <summary>The tracking client's own write: its reply first, then its invalidation (Redis's tracking_pending_keys).</summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void OwnWrites_InvalidationFollowsTheReply(int threads) => Compare(threads, "own writes", s =>
    {
        s.Run("a", "HELLO", "3");
        s.Run("a", "CLIENT", "TRACKING", "ON");
        for (int i = 0; i < 4; i++) s.Run("a", "GET", G[i] + "k");
        for (int i = 0; i < 4; i++) s.Run("a", "SET", G[i] + "k", "v");
        s.Run("a", "GET", G[0] + "k");
        s.Run("a", "MSET", G[0] + "k", "1", G[0] + "x", "2");
        s.Run("a", "FLUSHDB");
        s.Run("a", "PING");
    }, exact: true);

    /// <summary>MULTI/EXEC: invalidations of the client's own writes follow EXEC's reply; CLIENT CACHING covers the whole transaction.</summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void Transactions_InvalidateAfterExecAndSpendCaching(int threads) => Compare(threads, "multi/exec", s =>
    {
        s.Run("a", "HELLO", "3");
        s.Run("a", "CLIENT", "TRACKING", "ON");
        s.Run("a", "GET", G[0] + "x");
        s.Run("a", "GET", G[1] + "x");
        s.Run("a", "MULTI");
        s.Run("a", "SET", G[0] + "x", "1");
        s.Run("a", "EXEC");
        s.Run("a", "MULTI");
        s.Run("a", "SET", G[0] + "x", "2");
        s.Run("a", "SET", G[1] + "x", "2");
        s.Run("a", "GET", G[0] + "x");
        s.Run("a", "EXEC");
        s.Run("a", "CLIENT", "TRACKING", "ON", "OPTIN");
        s.Run("a", "CLIENT", "TRACKING", "OFF");
        s.Run("c", "HELLO", "3");
        s.Run("c", "CLIENT", "TRACKING", "ON", "OPTIN");
        s.Run("c", "CLIENT", "CACHING", "YES");
        s.Run("c", "MULTI");
        s.Run("c", "GET", G[2] + "m");
        s.Run("c", "GET", G[3] + "m");
        s.Run("c", "EXEC");
        s.Run("c", "GET", G[1] + "m"); // CACHING was spent by the transaction
        s.Run("b", "SET", G[2] + "m", "1");
        s.Run("b", "SET", G[3] + "m", "1");
        s.Run("b", "SET", G[1] + "m", "1");
    });

    /// <summary>A multi-key write across shards: each key read is invalidated once, after the reply (in any order).</summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void OwnMultiKeyWriteAcrossShards_InvalidatesEachKey(int threads) => TrackedConnections.Compare(
        servers.Oracle.Server, servers.TargetWithThreads(threads).Server, $"own cross-shard writes, --threads {threads}", s =>
        {
            s.Run("a", "HELLO", "3");
            s.Run("a", "CLIENT", "TRACKING", "ON");
            s.Run("a", "MGET", G[0] + "k", G[1] + "k", G[2] + "k");
            s.Run("a", "MSET", G[0] + "k", "1", G[1] + "k", "2", G[3] + "k", "3");
            s.Run("a", "DEL", G[2] + "k", G[3] + "k");
            s.Run("a", "GET", G[2] + "k");
            s.Run("b", "MSET", G[2] + "k", "1", G[1] + "k", "2");
        }, unorderedPushes: true);

    [Theory]
    [MemberData(nameof(Threads))]
    public void NoLoop_OptIn_OptOut(int threads) => Compare(threads, "noloop optin optout", s =>
    {
        s.Run("a", "HELLO", "3");
        s.Run("a", "CLIENT", "TRACKING", "ON", "NOLOOP");
        s.Run("a", "GET", G[0] + "n");
        s.Run("a", "GET", G[1] + "n");
        s.Run("a", "SET", G[0] + "n", "mine");
        s.Run("b", "SET", G[1] + "n", "theirs");
        s.Run("a", "CLIENT", "TRACKING", "OFF");

        s.Run("c", "HELLO", "3");
        s.Run("c", "CLIENT", "CACHING", "YES");
        s.Run("c", "CLIENT", "TRACKING", "ON", "OPTIN");
        s.Run("c", "GET", G[0] + "i");
        s.Run("c", "CLIENT", "CACHING", "YES");
        s.Run("c", "CLIENT", "TRACKINGINFO");
        s.Run("c", "GET", G[1] + "i");
        s.Run("c", "GET", G[2] + "i");
        s.Run("c", "CLIENT", "TRACKINGINFO");
        s.Run("c", "CLIENT", "CACHING", "NO");
        s.Run("c", "CLIENT", "TRACKING", "ON", "OPTOUT");
        foreach (string k in new[] { G[0] + "i", G[1] + "i", G[2] + "i" }) s.Run("b", "SET", k, "1");

        s.Run("d", "HELLO", "3");
        s.Run("d", "CLIENT", "TRACKING", "ON", "OPTOUT");
        s.Run("d", "GET", G[0] + "o");
        s.Run("d", "CLIENT", "CACHING", "NO");
        s.Run("d", "GET", G[1] + "o");
        s.Run("d", "CLIENT", "CACHING", "YES");
        foreach (string k in new[] { G[0] + "o", G[1] + "o" }) s.Run("b", "SET", k, "1");
    });

    /// <summary>
    /// BCAST prefixes. Another client's write reaches the tracking connection as a message from the writing shard,
    /// while the connection's own write is answered on its own connection, so across shards the order of those
    /// invalidations is not Redis's (where both are queued before anyone's reply): compared as a multiset.
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void Broadcast_Prefixes(int threads) => TrackedConnections.Compare(
        servers.Oracle.Server, servers.TargetWithThreads(threads).Server, $"bcast, --threads {threads}", s =>
    {
        s.Run("a", "HELLO", "3");
        s.Run("a", "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", G[0], "PREFIX", G[1] + "user:");
        s.Run("a", "CLIENT", "TRACKINGINFO");
        s.Run("n", "HELLO", "3");
        s.Run("n", "CLIENT", "TRACKING", "ON", "BCAST", "NOLOOP");
        s.Run("b", "SET", G[0] + "x", "1");
        s.Run("b", "SET", G[1] + "user:1", "1");
        s.Run("b", "SET", G[1] + "other", "1");
        s.Run("a", "SET", G[0] + "y", "1");
        s.Run("n", "SET", G[2] + "z", "1");
        s.Run("a", "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", G[0] + "sub");
        s.Run("a", "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "q", "PREFIX", "qq");
        s.Run("a", "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "r", "PREFIX", "s", "PREFIX", "ss");
        s.ReadSecondReply("a"); // Redis 7.2.4 reports the overlap and then enables tracking and answers +OK too
        s.Run("a", "CLIENT", "TRACKINGINFO");
        s.Run("a", "CLIENT", "TRACKING", "ON");
        s.Run("a", "CLIENT", "TRACKING", "OFF");
        s.Run("b", "SET", G[0] + "x", "2");
        s.Run("a", "CLIENT", "TRACKINGINFO");
    }, unorderedPushes: true);

    /// <summary>
    /// BCAST batches as Redis does: the keys of a prefix modified during one loop iteration (one MSET, one EXEC, a script)
    /// go out in one message per client, in byte order and once each; a NOLOOP client is not told of its own writes,
    /// but is of the others' in the same message, and of its scripts' writes (Redis's Lua client made them). The keys
    /// share a hash tag, so one shard modifies them all; across shards the messages' order against other connections'
    /// replies is not Redis's (see <see cref="Broadcast_Prefixes"/>), so at more than one shard they are compared as a
    /// multiset.
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void Broadcast_OneMessagePerPrefixAndCycle(int threads) => TrackedConnections.Compare(
        servers.Oracle.Server, servers.TargetWithThreads(threads).Server, $"bcast batches, --threads {threads}", s =>
    {
        string g = G[1];
        s.Run("a", "HELLO", "3");
        s.Run("a", "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "p:", "PREFIX", "q:");
        s.Run("n", "HELLO", "3");
        s.Run("n", "CLIENT", "TRACKING", "ON", "BCAST", "NOLOOP", "PREFIX", "p:");
        s.Run("b", "MSET", "p:c" + g, "1", "p:a" + g, "2", "q:z" + g, "3", "p:b" + g, "4", "p:a" + g, "5", "x" + g, "6");
        s.Run("b", "MULTI");
        s.Run("b", "INCR", "p:2" + g);
        s.Run("b", "INCR", "p:10" + g);
        s.Run("b", "INCR", "p:1" + g);
        s.Run("b", "EXEC");
        s.Run("n", "EVAL", "redis.call('set', KEYS[1], 'n') redis.call('set', KEYS[2], 'n') return 1", "2", "p:own" + g, "q:own" + g);
        s.Run("n", "MSET", "p:mine" + g, "1");
        s.Run("b", "DEL", "p:c" + g, "p:nokey" + g);
    }, unorderedPushes: threads > 1);

    /// <summary>
    /// Scripts: the keys a script's read-only calls read are tracked for its caller, on any shard; a script's declared
    /// keys are not (EVAL_RO included), and CLIENT CACHING YES covers every call of the script (OPTIN).
    /// </summary>
    [Theory]
    [MemberData(nameof(Threads))]
    public void Scripts_TrackWhatTheirCallsRead(int threads) => Compare(threads, "scripts", s =>
    {
        string k1 = G[0] + "s1", k2 = G[1] + "s2";
        s.Run("a", "HELLO", "3");
        s.Run("a", "CLIENT", "TRACKING", "ON");
        s.Run("b", "MSET", k1, "1", k2, "1");
        s.Run("a", "EVAL", "redis.call('set', KEYS[1], 'x')", "2", k1, k2);
        s.Run("b", "MSET", k1, "2", k2, "2");
        s.Run("a", "EVAL", "return redis.call('get', KEYS[2])", "2", k1, k2);
        s.Run("b", "SET", k1, "3");
        s.Run("b", "SET", k2, "3");
        s.Run("a", "EVAL_RO", "return redis.call('ping')", "2", k1, k2);
        s.Run("b", "SET", k1, "4");
        s.Run("b", "SET", k2, "4");
        s.Run("a", "EVAL_RO", "return redis.call('get', KEYS[1])", "2", k1, k2);
        s.Run("b", "SET", k2, "5");
        s.Run("b", "SET", k1, "5");
        s.Run("o", "HELLO", "3");
        s.Run("o", "CLIENT", "TRACKING", "ON", "OPTIN");
        s.Run("o", "CLIENT", "CACHING", "YES");
        s.Run("o", "EVAL", "redis.call('get', KEYS[1]) return redis.call('get', KEYS[2])", "2", k1, k2);
        s.Run("b", "SET", k1, "6");
        s.Run("b", "SET", k2, "6");
        s.Run("o", "EVAL", "return redis.call('get', KEYS[1])", "1", k1);
        s.Run("b", "SET", k1, "7");
    });

    [Theory]
    [MemberData(nameof(Threads))]
    public void Redirect_Resp2Subscriber_Resp3_Broken(int threads) => Compare(threads, "redirect", s =>
    {
        s.Run("r", "SUBSCRIBE", "__redis__:invalidate");
        s.Run("a", "CLIENT", "TRACKING", "ON", "REDIRECT", "$ID:r");
        s.Run("a", "GET", G[1] + "r");
        s.Run("a", "CLIENT", "GETREDIR");
        s.Run("a", "CLIENT", "TRACKINGINFO");
        s.Run("b", "SET", G[1] + "r", "1");
        s.Run("b", "FLUSHALL");

        s.Run("r3", "HELLO", "3");
        s.Run("c", "HELLO", "3");
        s.Run("c", "CLIENT", "TRACKING", "ON", "REDIRECT", "$ID:r3");
        s.Run("c", "GET", G[2] + "r");
        s.Run("b", "SET", G[2] + "r", "1");

        s.Run("d", "HELLO", "3");
        s.Run("gone", "PING");
        s.Run("d", "CLIENT", "TRACKING", "ON", "REDIRECT", "$ID:gone");
        s.Run("d", "GET", G[3] + "r");
        s.Close("gone");
        s.Run("b", "SET", G[3] + "r", "1");
        s.Run("d", "CLIENT", "TRACKINGINFO");
    });

    [Theory]
    [MemberData(nameof(Threads))]
    public void ExpiryAndFlush_Invalidate(int threads) => Compare(threads, "expiry and flush", s =>
    {
        s.Run("a", "HELLO", "3");
        // Long enough that the tracking read comes before the expiry even on a loaded machine.
        s.Run("b", "SET", G[0] + "e", "v", "PX", "1000");
        s.Run("a", "CLIENT", "TRACKING", "ON");
        s.Run("a", "GET", G[0] + "e");
        s.Run("a", "GET", G[1] + "f");
        s.Run("b", "DEBUG", "SLEEP", "1.1");
        s.Run("b", "GET", G[0] + "e"); // expired (on access, or by the active cycle): invalidated
        s.Run("c", "CLIENT", "TRACKING", "ON", "BCAST");
        s.Run("b", "SELECT", "1");
        s.Run("b", "FLUSHDB"); // another database: still a null invalidation, and the table is emptied
        s.Run("b", "SET", G[1] + "f", "1");
    });

    [Theory]
    [MemberData(nameof(Threads))]
    public void Errors(int threads) => Compare(threads, "errors", s =>
    {
        s.Run("a", "CLIENT", "TRACKING", "ON", "REDIRECT", "$ID:none");
        s.Run("a", "CLIENT", "TRACKING", "ON", "REDIRECT", "abc");
        s.Run("a", "CLIENT", "TRACKING", "ON", "REDIRECT", "$ID:a", "REDIRECT", "$ID:a");
        s.Run("a", "CLIENT", "TRACKING", "MAYBE");
        s.Run("a", "CLIENT", "TRACKING", "ON", "FOO");
        s.Run("a", "CLIENT", "TRACKING", "ON", "PREFIX");
        s.Run("a", "CLIENT", "TRACKING", "ON", "PREFIX", "x");
        s.Run("a", "CLIENT", "TRACKING", "ON", "BCAST", "OPTIN");
        s.Run("a", "CLIENT", "TRACKING", "ON", "OPTIN", "OPTOUT");
        s.Run("a", "CLIENT", "TRACKING");
        s.Run("a", "CLIENT", "CACHING", "YES");
        s.Run("a", "CLIENT", "CACHING");
        s.Run("a", "CLIENT", "GETREDIR");
        s.Run("a", "CLIENT", "TRACKINGINFO");
        s.Run("a", "CLIENT", "TRACKING", "ON", "OPTIN");
        s.Run("a", "CLIENT", "TRACKING", "ON", "OPTOUT");
        s.Run("a", "CLIENT", "TRACKING", "ON", "BCAST");
        s.Run("a", "CLIENT", "CACHING", "NO");
        s.Run("a", "CLIENT", "CACHING", "MAYBE");
        s.Run("a", "CLIENT", "TRACKING", "OFF");
        s.Run("a", "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a", "PREFIX", "ab");
        s.Run("a", "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "b");
        s.Run("a", "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "bc");
        s.Run("a", "CLIENT", "TRACKING", "ON", "NOLOOP");
        s.Run("a", "CLIENT", "GETREDIR");
        s.Run("a", "RESET");
        s.Run("a", "CLIENT", "TRACKINGINFO");
    }, exact: true);

    private static string[] Groups(int n)
    {
        var groups = new string[n];
        for (int shard = 0; shard < n; shard++)
            for (int i = 0; ; i++)
            {
                string tag = "{t" + i.ToString(CultureInfo.InvariantCulture) + "}";
                if (KeySlot.Of(tag) * n / 16384 != shard) continue;
                groups[shard] = tag;
                break;
            }
        return groups;
    }
}
