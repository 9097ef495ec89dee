using System;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// The forms Redis 7.2 propagates in place of a command's own arguments (its rewriteClientCommandVector,
/// rewriteClientCommandArgument and alsoPropagate calls in t_string.c, expire.c, t_hash.c, t_set.c, t_list.c,
/// t_zset.c, geo.c and RESTORE in cluster.c), written to the shard's <see cref="AofRecorder"/>. Each writer marks the
/// command <see cref="CommandContext.Propagated"/> so the executor does not record it again as it came.
/// <para>
/// Handlers call these only when <c>c.Shard.Aof.On</c>, after the change and only when the command changed
/// something (Redis propagates a command only when it changed <c>dirty</c>). A command run over gathered copies
/// (<see cref="CommandContext.DbOverride"/>, <see cref="GatherExec"/>) records here too, with its real database
/// index, as the executor records a command without a form: that record is the whole command's, and its
/// transaction (or script) takes it into its unit. Keys' and values' bytes are copied into the record, so every
/// span may point into an entry that the command frees afterwards.
/// </para>
/// </summary>
public static class AofForms
{
    /// <summary>Marks the command propagated: the executor does not record it again as it came.</summary>
    static void Take(ref CommandContext c) => c.Propagated = true;

    /// <summary>A command that stands for itself after all (PEXPIREAT, SET ... PXAT): the executor records it.</summary>
    public static void AsItCame(ref CommandContext c) => c.Propagated = false;

    /// <summary>DEL key, or UNLINK key when <paramref name="lazy"/> (GETDEL, GETEX/EXPIRE into the past, SPOP of the whole set).</summary>
    public static void Delete(ref CommandContext c, bool lazy)
    {
        Take(ref c);
        c.Shard.Aof.Command(c.DbIndex, lazy ? "UNLINK"u8 : "DEL"u8, c.Arg(1));
    }

    /// <summary>SET key value PXAT ms: SET with EX/PX/EXAT, SETEX, PSETEX (setGenericCommand).</summary>
    public static void SetPxAt(ref CommandContext c, int valueArg, long ms)
    {
        Take(ref c);
        AofRecorder aof = c.Shard.Aof;
        aof.Begin(c.DbIndex, 5);
        aof.Arg("SET"u8);
        aof.Arg(c.Arg(1));
        aof.Arg(c.Arg(valueArg));
        aof.Arg("PXAT"u8);
        aof.Arg(ms);
        aof.End();
    }

    /// <summary>SET ... GET without an expire option: the command as it came without its GET arguments (from the fourth on).</summary>
    public static void SetWithoutGet(ref CommandContext c)
    {
        Take(ref c);
        int argc = 0;
        for (int j = 0; j < c.Count; j++)
            if (!IsGet(ref c, j)) argc++;
        AofRecorder aof = c.Shard.Aof;
        aof.Begin(c.DbIndex, argc);
        for (int j = 0; j < c.Count; j++)
            if (!IsGet(ref c, j)) aof.Arg(c.Arg(j));
        aof.End();
    }

    static bool IsGet(ref CommandContext c, int j) => j >= 3 && c.ArgIs(j, "get"u8);

    /// <summary>GETSET key value → SET key value.</summary>
    public static void RenamedSet(ref CommandContext c)
    {
        Take(ref c);
        c.Shard.Aof.Command(c.DbIndex, "SET"u8, c.Arg(1), c.Arg(2));
    }

    /// <summary>
    /// EXPIRE, PEXPIRE, EXPIREAT → PEXPIREAT key ms [options as they came] (expireGenericCommand); PEXPIREAT
    /// itself goes as it came.
    /// </summary>
    public static void PExpireAt(ref CommandContext c, long ms)
    {
        Take(ref c);
        AofRecorder aof = c.Shard.Aof;
        aof.Begin(c.DbIndex, c.Count);
        aof.Arg("PEXPIREAT"u8);
        aof.Arg(c.Arg(1));
        aof.Arg(ms);
        for (int j = 3; j < c.Count; j++) aof.Arg(c.Arg(j));
        aof.End();
    }

    /// <summary>GETEX with a TTL → PEXPIREAT key ms.</summary>
    public static void GetExExpire(ref CommandContext c, long ms)
    {
        Take(ref c);
        AofRecorder aof = c.Shard.Aof;
        aof.Begin(c.DbIndex, 3);
        aof.Arg("PEXPIREAT"u8);
        aof.Arg(c.Arg(1));
        aof.Arg(ms);
        aof.End();
    }

    /// <summary>GETEX PERSIST → PERSIST key.</summary>
    public static void Persist(ref CommandContext c)
    {
        Take(ref c);
        c.Shard.Aof.Command(c.DbIndex, "PERSIST"u8, c.Arg(1));
    }

    /// <summary>INCRBYFLOAT key by → SET key result KEEPTTL: the text replicas and reloads store, whatever their floats.</summary>
    public static void IncrByFloat(ref CommandContext c, scoped ReadOnlySpan<byte> result)
    {
        Take(ref c);
        AofRecorder aof = c.Shard.Aof;
        aof.Begin(c.DbIndex, 4);
        aof.Arg("SET"u8);
        aof.Arg(c.Arg(1));
        aof.Arg(result);
        aof.Arg("KEEPTTL"u8);
        aof.End();
    }

    /// <summary>HINCRBYFLOAT key field by → HSET key field result.</summary>
    public static void HIncrByFloat(ref CommandContext c, scoped ReadOnlySpan<byte> result)
    {
        Take(ref c);
        AofRecorder aof = c.Shard.Aof;
        aof.Begin(c.DbIndex, 4);
        aof.Arg("HSET"u8);
        aof.Arg(c.Arg(1));
        aof.Arg(c.Arg(2));
        aof.Arg(result);
        aof.End();
    }

    /// <summary>
    /// GEOADD key [options] lon lat member ... → zadd key [options as they came] score member ... with each score the
    /// 52-bit geohash as an integer (geoaddCommand's replaceClientCommandVector: the name in lower case, as Redis
    /// writes it). <paramref name="firstTriple"/> is the argument index of the first longitude.
    /// </summary>
    public static void GeoAddAsZAdd(ref CommandContext c, int firstTriple, scoped ReadOnlySpan<double> scores)
    {
        Take(ref c);
        AofRecorder aof = c.Shard.Aof;
        aof.Begin(c.DbIndex, firstTriple + (2 * scores.Length));
        aof.Arg("zadd"u8);
        for (int j = 1; j < firstTriple; j++) aof.Arg(c.Arg(j));
        for (int i = 0; i < scores.Length; i++)
        {
            aof.Arg((long)scores[i]);
            aof.Arg(c.Arg(firstTriple + (3 * i) + 2));
        }
        aof.End();
    }

    /// <summary>
    /// LMPOP/BLMPOP → LPOP|RPOP key n, ZMPOP/BZMPOP → ZPOPMIN|ZPOPMAX key n, with n what was popped (Redis's
    /// min(count, length)).
    /// </summary>
    public static void PopCount(ref CommandContext c, scoped ReadOnlySpan<byte> command, scoped ReadOnlySpan<byte> key, long n)
    {
        Take(ref c);
        AofRecorder aof = c.Shard.Aof;
        aof.Begin(c.DbIndex, 3);
        aof.Arg(command);
        aof.Arg(key);
        aof.Arg(n);
        aof.End();
    }

    /// <summary>
    /// RESTORE with a relative TTL → the same arguments with the TTL absolute and ABSTTL appended (restoreCommand).
    /// </summary>
    public static void RestoreAbsolute(ref CommandContext c, long ms)
    {
        Take(ref c);
        AofRecorder aof = c.Shard.Aof;
        aof.Begin(c.DbIndex, c.Count + 1);
        aof.Arg(c.Arg(0));
        aof.Arg(c.Arg(1));
        aof.Arg(ms);
        for (int j = 3; j < c.Count; j++) aof.Arg(c.Arg(j));
        aof.Arg("ABSTTL"u8);
        aof.End();
    }

    /// <summary>
    /// SPOP key count that leaves members: SREM key m... for the popped members, 1024 to a record, in the order
    /// they were popped (spopWithCountCommand's alsoPropagate batches). Start with the count, then
    /// <see cref="Member"/> each popped member.
    /// </summary>
    public struct SRemBatches
    {
        const int BatchSize = 1024;
        long left;
        int open;
        bool on;

        public static SRemBatches Start(ref CommandContext c, long count)
        {
            var b = new SRemBatches { left = count };
            if (c.Shard.Aof.On)
            {
                Take(ref c);
                b.on = true;
            }
            return b;
        }

        public void Member(ref CommandContext c, scoped ListpackValue m)
        {
            if (!on) return;
            AofRecorder aof = c.Shard.Aof;
            if (open == 0)
            {
                open = (int)Math.Min(BatchSize, left);
                aof.Begin(c.DbIndex, 2 + open);
                aof.Arg("SREM"u8);
                aof.Arg(c.Arg(1));
            }
            if (m.IsInteger) aof.Arg(m.Integer);
            else aof.Arg(m.Bytes);
            left--;
            if (--open == 0) aof.End();
        }
    }

    /// <summary>
    /// The command as it came with up to three arguments replaced (rewriteClientCommandArgument; index -1 = none): XADD
    /// with its generated ID, XADD and XTRIM with "~ threshold" made exact ("= what it trimmed to").
    /// </summary>
    public static void WithArgs(ref CommandContext c, int i1, scoped ReadOnlySpan<byte> v1, int i2, scoped ReadOnlySpan<byte> v2,
        int i3, scoped ReadOnlySpan<byte> v3)
    {
        Take(ref c);
        AofRecorder aof = c.Shard.Aof;
        aof.Begin(c.DbIndex, c.Count);
        for (int j = 0; j < c.Count; j++)
            aof.Arg(j == i1 ? v1 : j == i2 ? v2 : j == i3 ? v3 : c.Arg(j));
        aof.End();
    }
}
