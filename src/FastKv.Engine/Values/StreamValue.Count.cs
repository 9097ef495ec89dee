using System;
using FastKv.Memory;

namespace FastKv.Engine;

public static unsafe partial class StreamValue
{
    /// <summary>
    /// Live entries with IDs in [<paramref name="start"/>, <paramref name="end"/>], at most <paramref name="limit"/>
    /// (0: all): the length an XRANGE, XREVRANGE or XREAD reply announces before its entries. A node wholly inside the
    /// range counts by its header's live count; only the nodes at the range's two ends are walked, so the reply is
    /// not walked twice. Forwards or backwards, the first <paramref name="limit"/> entries are as many.
    /// </summary>
    public static long CountRange(byte* s, StreamId start, StreamId end, long limit)
    {
        int n = Count(s);
        int first = start.IsZero ? 0 : Math.Max(0, FindNodeAtOrBefore(s, start));
        long total = 0;
        for (int i = first; i < n; i++)
        {
            StreamId master = NodeMasterId(s, i);
            if (master > end) break;
            // The node's entries lie in [master, next node's master), the last node's up to the stream's last ID.
            bool inside = master >= start && (i + 1 < n ? NodeMasterId(s, i + 1) <= end : LastId(s) <= end);
            if (inside) total += ReadInt(Listpack.First(NodeListpack(s, i)));
            else
            {
                var it = new StreamIterator(s, master > start ? master : start, end, rev: false);
                while (it.Next(out _, out _) && it.Node == i)
                {
                    total++;
                    if (limit != 0 && total >= limit) return limit;
                }
            }
            if (limit != 0 && total >= limit) return limit;
        }
        return total;
    }
}
