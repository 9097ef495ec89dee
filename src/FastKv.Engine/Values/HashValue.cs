using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using FastKv.Memory;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// The value of a hash key under both of its encodings (Redis's hashType* layer in t_hash.c):
/// <code>
///  listpack   [f1][v1][f2][v2]...  pairs in insertion order; integer-looking fields and values are
///             stored as listpack integers and read back as their canonical decimal
///  hashtable  FieldTable: one arena element [fieldLen][valueLen][field][value] per field
/// </code>
/// A hash starts as a listpack and converts once, never back, to a FieldTable when a field or value
/// longer than hash-max-listpack-value is written, or when the field count exceeds
/// hash-max-listpack-entries after an insert (<see cref="Set"/>, as hashTypeSet). Commands that take
/// many pairs first check every argument's length (<see cref="ConvertForArguments"/>, as
/// hashTypeTryConversion), so one long value converts before any pair is written.
///
/// The entry's value is the pointer to the listpack or table (<see cref="Collection"/>), or a small listpack
/// itself (inline, Collection.Inline.cs). The readers here take either form. The writers (<see cref="Set"/>,
/// <see cref="Delete"/>, the conversions) need the pointer form: a command calls
/// <see cref="Collection.Detach"/> before its first write and <see cref="Collection.Settle"/> after its
/// last, and in between the writers store the moved pointer back and switch the entry's encoding nibble on
/// conversion; the entry moves only in Settle.
/// Unsafe invariant for the whole class: <c>e</c> is a live hash entry of the calling shard, and the arena
/// passed in is that shard's arena, which owns the structure the entry points at.
/// </summary>
public static unsafe class HashValue
{
    /// <summary>Redis's LISTPACK_MAX_SAFETY_SIZE: a listpack that would grow past this converts instead.</summary>
    const long ListpackSafetySize = 1L << 30;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsListpack(byte* e) => KeyEntry.Encoding(e) == ValueEncoding.ListPack;

    /// <summary>The number of fields.</summary>
    public static long Length(byte* e)
    {
        if (KeyEntry.IsInline(e)) return Listpack.PackedCount(KeyEntry.ValuePtr(e), KeyEntry.ValueLength(e)) / 2;
        byte* p = Collection.Ptr(e);
        return IsListpack(e) ? Listpack.Count(p) / 2 : FieldTable.Count(p);
    }

    /// <summary>
    /// A new, empty listpack-encoded hash for a key known to be absent (hashTypeLookupWriteOrCreate), in the
    /// pointer form, ready for writes; the command settles it after them.
    /// </summary>
    public static byte* Create(Database db, Arena arena, ReadOnlySpan<byte> key)
        => db.AddCollection(key, ValueKind.Hash, ValueEncoding.ListPack, Listpack.Create(arena));

    /// <summary>
    /// The value of <paramref name="field"/>: true with <paramref name="value"/> (pointing into the
    /// structure, valid until the next write to this hash), false when the field is absent.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryGet(byte* e, ReadOnlySpan<byte> field, out ListpackValue value)
    {
        if (KeyEntry.IsInline(e))
        {
            // The packed listpack (Collection.Inline.cs) is searched where it lies, without rebuilding it.
            byte* pf = Listpack.PackedFind(KeyEntry.ValuePtr(e), KeyEntry.ValueLength(e), field, 1);
            if (pf == null) { value = default; return false; }
            value = Listpack.Get(Listpack.PackedNext(pf));
            return true;
        }
        byte* p = Collection.Ptr(e);
        if (IsListpack(e))
        {
            byte* f = Listpack.Find(p, Listpack.First(p), field, 1);
            if (f == null) { value = default; return false; }
            value = Listpack.Get(Listpack.Next(p, f));
            return true;
        }
        byte* el = FieldTable.Find(p, field);
        if (el == null) { value = default; return false; }
        value = new ListpackValue(FieldTable.ElementValue(el));
        return true;
    }

    /// <summary>Length of a value as text (HSTRLEN): an integer counts its decimal digits and sign.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TextLength(in ListpackValue v) => v.IsInteger ? RespNumber.Digits(v.Integer) : v.Bytes.Length;

    /// <summary>The value as bytes: an integer is formatted into <paramref name="scratch"/> (20 bytes suffice).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> Text(in ListpackValue v, Span<byte> scratch)
        => v.IsInteger ? scratch.Slice(0, RespNumber.FormatInt64(v.Integer, scratch)) : v.Bytes;

    /// <summary>Writes the value as a bulk string.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Reply(RespWriter w, in ListpackValue v)
    {
        if (v.IsInteger) w.BulkInteger(v.Integer);
        else w.Bulk(v.Bytes);
    }

    /// <summary>Writes one listpack entry (a field or a value) as a bulk string.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ReplyEntry(RespWriter w, byte* p)
    {
        if (Listpack.Get(p, out long v, out ReadOnlySpan<byte> s)) w.BulkInteger(v);
        else w.Bulk(s);
    }

    /// <summary>
    /// hashTypeTryConversion: converts a listpack hash to a table when any of the arguments
    /// <paramref name="first"/>..end (fields and values) is longer than hash-max-listpack-value, or when
    /// they could grow the listpack past the safety size. Runs before any of them is written.
    /// </summary>
    public static void ConvertForArguments(Arena arena, ServerConfig config, byte* e, ref CommandContext c, int first)
    {
        Debug.Assert(!KeyEntry.IsInline(e), "hash writers run between Detach and Settle");
        if (!IsListpack(e)) return;
        long max = config.HashMaxListpackValue, sum = 0;
        for (int i = first; i < c.Count; i++)
        {
            int len = c.Arg(i).Length;
            if (len > max)
            {
                ConvertToTable(arena, e);
                return;
            }
            sum += len;
        }
        if (Listpack.TotalBytes(Collection.Ptr(e)) + sum > ListpackSafetySize) ConvertToTable(arena, e);
    }

    /// <summary>
    /// hashTypeSet: sets <paramref name="field"/> to <paramref name="value"/>; true when the field is new.
    /// A listpack converts first when either is longer than hash-max-listpack-value (HINCRBY and
    /// HINCRBYFLOAT reach here without <see cref="ConvertForArguments"/>), and after an insert that
    /// makes the field count exceed hash-max-listpack-entries. <paramref name="value"/> must not point
    /// into this hash. <paramref name="fieldAt"/>: where <see cref="TryOverwriteInPlace"/> found the field in
    /// this listpack's layout (or <see cref="FieldAbsent"/>), so it is not searched again.
    /// </summary>
    public static bool Set(Arena arena, ServerConfig config, byte* e, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value,
        int fieldAt = FieldUnknown)
    {
        Debug.Assert(!KeyEntry.IsInline(e), "hash writers run between Detach and Settle");
        if (IsListpack(e))
        {
            long max = config.HashMaxListpackValue;
            if (field.Length > max || value.Length > max) ConvertToTable(arena, e);
        }
        byte* p = Collection.Ptr(e);
        if (IsListpack(e))
        {
            byte* f = fieldAt == FieldUnknown ? Listpack.Find(p, Listpack.First(p), field, 1) : fieldAt == FieldAbsent ? null : p + fieldAt;
            if (f != null)
            {
                Collection.SetPtr(e, Listpack.Replace(arena, p, Listpack.Next(p, f), value));
                return false;
            }
            p = Listpack.Append(arena, p, field);
            p = Listpack.Append(arena, p, value);
            Collection.SetPtr(e, p);
            if (Listpack.Count(p) / 2 > config.HashMaxListpackEntries) ConvertToTable(arena, e);
            return true;
        }
        bool added = FieldTable.Set(arena, ref p, field, value);
        Collection.SetPtr(e, p);
        return added;
    }

    /// <summary>
    /// Overwrites an existing field of a listpack hash, inline or not, when the new value encodes to the size of
    /// the old one (a counter's next value, an update of the same length): nothing moves, so no
    /// <see cref="Collection.Detach"/> is needed. False, with nothing written, when the hash is a table, the field
    /// is absent, the sizes differ, or the field or value is long enough to convert the hash (as hashTypeSet);
    /// then <paramref name="fieldAt"/> tells <see cref="Set"/> what the search found: the field's offset in the
    /// listpack (pointer form; Detach keeps that listpack), <see cref="FieldAbsent"/>, or <see cref="FieldUnknown"/>
    /// (also for a field found in an inline hash: it has another offset once Detach rebuilds the listpack).
    /// <paramref name="value"/> must not point into this hash.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryOverwriteInPlace(ServerConfig config, byte* e, ReadOnlySpan<byte> field, ReadOnlySpan<byte> value, out int fieldAt)
    {
        fieldAt = FieldUnknown;
        long max = config.HashMaxListpackValue;
        if (!IsListpack(e) || field.Length > max || value.Length > max) return false;
        if (KeyEntry.IsInline(e))
        {
            // Written where it lies in the packed bytes (same length, so the packed size stays). A field found
            // here has another offset in the rebuilt listpack, so Set searches again then.
            byte* pf = Listpack.PackedFind(KeyEntry.ValuePtr(e), KeyEntry.ValueLength(e), field, 1);
            if (pf == null) { fieldAt = FieldAbsent; return false; }
            return Listpack.TryReplaceSameSize(Listpack.PackedNext(pf), value);
        }
        byte* p = Collection.Ptr(e);
        byte* f = Listpack.Find(p, Listpack.First(p), field, 1);
        fieldAt = f == null ? FieldAbsent : (int)(f - p);
        return f != null && Listpack.TryReplaceSameSize(Listpack.Next(p, f), value);
    }

    /// <summary>Values of <see cref="Set"/>'s fieldAt besides an offset.</summary>
    public const int FieldUnknown = -2, FieldAbsent = -1;

    /// <summary>Removes <paramref name="field"/>; true when it was there. The caller deletes an emptied key.</summary>
    public static bool Delete(Arena arena, byte* e, ReadOnlySpan<byte> field)
    {
        Debug.Assert(!KeyEntry.IsInline(e), "hash writers run between Detach and Settle");
        byte* p = Collection.Ptr(e);
        if (IsListpack(e))
        {
            byte* f = Listpack.Find(p, Listpack.First(p), field, 1);
            if (f == null) return false;
            p = Listpack.Delete(arena, p, f, out byte* v);
            Debug.Assert(v != null, "a listpack hash field without its value");
            Collection.SetPtr(e, Listpack.Delete(arena, p, v));
            return true;
        }
        bool removed = FieldTable.Remove(arena, ref p, field);
        Collection.SetPtr(e, p);
        return removed;
    }

    /// <summary>hashTypeConvert(OBJ_ENCODING_HT): rebuilds the listpack as a FieldTable, one way.</summary>
    public static void ConvertToTable(Arena arena, byte* e)
    {
        Debug.Assert(IsListpack(e) && !KeyEntry.IsInline(e));
        byte* lp = Collection.Ptr(e);
        byte* t = FieldTable.Create(arena, Listpack.Count(lp) / 2);
        Span<byte> fieldText = stackalloc byte[Listpack.MaxIntegerChars];
        Span<byte> valueText = stackalloc byte[Listpack.MaxIntegerChars];
        for (byte* f = Listpack.First(lp); f != null;)
        {
            byte* v = Listpack.Next(lp, f);
            Debug.Assert(v != null, "a listpack hash field without its value");
            bool added = FieldTable.Set(arena, ref t, Text(Listpack.Get(f), fieldText), Text(Listpack.Get(v), valueText));
            Debug.Assert(added, "a listpack hash with a repeated field");
            f = Listpack.Next(lp, v);
        }
        Listpack.Free(arena, lp);
        Collection.SetPtr(e, t);
        KeyEntry.SetEncoding(e, ValueEncoding.HashTable);
    }
}
