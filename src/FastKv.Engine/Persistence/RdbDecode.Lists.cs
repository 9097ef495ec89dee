using System;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// Quicklists: RDB_TYPE_LIST_QUICKLIST (14, Redis 3.2-6.2: nodes are ziplists) and LIST_QUICKLIST_2 (18, Redis 7:
/// each node is a container kind, 2 PACKED for a listpack or 1 PLAIN for one large element, then the node's
/// bytes). Nodes are kept as they are (a ziplist rebuilt as a listpack), empty ones skipped, as
/// quicklistAppendListpack does; the list is then classified by listTypeTryConversion.
/// </summary>
public static unsafe partial class RdbDecode
{
    const ulong ContainerPlain = 1, ContainerPacked = 2;

    static RdbLoadResult LoadQuicklist(Shard shard, ref RdbReader r, bool v2, ref Built v)
    {
        RdbLoadResult res = ReadCount(ref r, out long nodes);
        if (res != RdbLoadResult.Ok) return res;
        Arena arena = shard.Arena;
        byte* ql = QuickList.Create(arena, ListFill(shard));
        Listpack.Builder? builder = null;
        for (long i = 0; i < nodes; i++)
        {
            r.ResetScratch();
            ulong container = ContainerPacked;
            if (v2 && (!r.TryReadLength(out container) || container is not (ContainerPlain or ContainerPacked))
                || !r.TryReadString(out ReadOnlySpan<byte> node) || node.IsEmpty)
            {
                QuickList.Free(arena, ql);
                return RdbLoadResult.BadFormat;
            }
            builder ??= new Listpack.Builder();
            builder.Clear();
            if (container == ContainerPlain)
            {
                // FastKv has no plain nodes: the large element gets a listpack node of its own.
                builder.Append(node);
                QuickList.AppendListpack(arena, ql, builder.Finish());
                continue;
            }
            if (v2)
            {
                bool valid;
                fixed (byte* lp = node) valid = Listpack.Validate(lp, node.Length);
                if (!valid)
                {
                    QuickList.Free(arena, ql);
                    return RdbLoadResult.BadFormat;
                }
                // An empty listpack adds nothing (AppendListpack skips it); a count left unknown is walked in the copy.
                QuickList.AppendListpack(arena, ql, node);
                continue;
            }
            if (!Ziplist.AppendTo(node, builder, out _))
            {
                QuickList.Free(arena, ql);
                return RdbLoadResult.BadFormat;
            }
            QuickList.AppendListpack(arena, ql, builder.Finish());
        }
        if (QuickList.Count(ql) == 0)
        {
            QuickList.Free(arena, ql);
            return RdbLoadResult.EmptyKey;
        }
        SetListEncoding(shard, ql, ref v);
        return RdbLoadResult.Ok;
    }
}
