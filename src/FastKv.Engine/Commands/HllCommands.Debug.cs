using System;
using System.Text;
using FastKv.Memory;

namespace FastKv.Engine.Commands;

/// <summary>PFDEBUG and PFSELFTEST: Redis's windows into the representation, with its replies and errors.</summary>
public static unsafe partial class HllCommands
{
    /// <summary>
    /// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. The key is looked up and checked before the subcommand is:
    /// a missing key or a bad value wins over an unknown subcommand. GETREG and TODENSE turn a sparse value dense
    /// (and count as a change, so the command is propagated).
    /// </summary>
    static void PfDebug(ref CommandContext c)
    {
        if (!OpenForWrite(ref c, 2, out byte** slot)) return;
        if (slot == null) { c.W.Error("ERR The specified key does not exist"); return; }
        Database db = c.Db;
        bool sparse = KeyEntry.ValuePtr(*slot)[4] == Hll.Sparse;
        if (c.ArgIs(1, "getreg"u8))
        {
            if (sparse)
            {
                if (!ToDense(db, slot)) { c.W.Error(Hll.InvalidObject); return; }
                c.Dirty();
            }
            byte* regs = KeyEntry.ValuePtr(*slot) + Hll.HeaderSize;
            c.W.ArrayHeader(Hll.Registers);
            for (int j = 0; j < Hll.Registers; j++) c.W.Integer(Hll.DenseGet(regs, j));
        }
        else if (c.ArgIs(1, "decode"u8))
        {
            if (!sparse) { c.W.Error("ERR HLL encoding is not sparse"); return; }
            byte* e = *slot;
            string text = HllSparse.Decode(KeyEntry.ValuePtr(e) + Hll.HeaderSize, KeyEntry.ValueLength(e) - Hll.HeaderSize);
            c.W.Bulk(Encoding.ASCII.GetBytes(text));
        }
        else if (c.ArgIs(1, "encoding"u8))
        {
            c.W.Simple(sparse ? "sparse"u8 : "dense"u8);
        }
        else if (c.ArgIs(1, "todense"u8))
        {
            if (sparse)
            {
                if (!ToDense(db, slot)) { c.W.Error(Hll.InvalidObject); return; }
                c.Dirty();
            }
            c.W.Integer(sparse ? 1 : 0);
        }
        else
        {
            // Redis formats the subcommand as a C string: it ends at a NUL byte.
            ReadOnlySpan<byte> sub = c.Arg(1);
            int nul = sub.IndexOf((byte)0);
            if (nul >= 0) sub = sub.Slice(0, nul);
            c.W.Error("ERR Unknown PFDEBUG subcommand '" + Executor.Sanitize(sub, sub.Length) + "'");
        }
    }

    /// <summary>PFSELFTEST: register access and estimate accuracy (<see cref="Hll.SelfTest"/>), +OK or Redis's TESTFAILED errors.</summary>
    static void PfSelfTest(ref CommandContext c)
    {
        string? failure = Hll.SelfTest(c.Shard.Server.Config.HllSparseMaxBytes, Random.Shared);
        if (failure == null) c.W.Ok();
        else c.W.Error("ERR " + failure);
    }
}
