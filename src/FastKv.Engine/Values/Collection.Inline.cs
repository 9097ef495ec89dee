using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using FastKv.Memory;

namespace FastKv.Engine;

/// <summary>
/// Inline collections: a small listpack stored, packed, as the entry's value itself instead of behind a pointer.
/// <code>
///  pointer form  [header][key][ptr] ──► [listpack]   two arena blocks, flag clear, valLen 8
///  inline form   [header][key][packed listpack]      one block, KeyEntry.FlagInlineValue, valLen = packed size
/// </code>
/// The packed form (FastKv.Memory Listpack.Packed.cs) drops the listpack's header, terminator and backlens.
/// A hash of ten small fields is a 187-byte listpack and 160 packed bytes: inline it saves the pointer, the
/// second block's size-class slack, 27 bytes of listpack framing and one cache miss per read (perf/RESULTS.md,
/// hashes of 10 small fields).
///
/// Readers need not care: <see cref="Ptr"/> returns a listpack in both forms; for an inline entry it is the
/// listpack rebuilt in this thread's scratch buffer, valid until the next <see cref="Ptr"/> of an inline
/// entry on this thread, so a reader finishes with one inline collection before it reads another (hash
/// commands read one key; SORT reads a hash field and copies it out). Writers call <see cref="Detach"/>
/// first (the listpack is rebuilt into a blob of its own and the entry takes the pointer form in place: the
/// entry does not move), write with the ordinary listpack code, and call <see cref="Settle"/> last, which
/// packs a listpack that <see cref="CanInline"/> back into the entry and frees its blob, or shrinks the
/// entry to the pointer form's size; Settle may move the entry (<see cref="Database.ReplaceValue"/>). Both
/// forms are valid states, so a writer that stops early (an error, a deleted key) leaves a correct, only
/// less compact, entry.
///
/// Everything that handles whole entries goes through here: <see cref="FreeValue"/> (delete, expiry,
/// FLUSH), <see cref="ValueBytesUsed"/> (MEMORY USAGE), <see cref="AddCopy"/> (COPY),
/// <see cref="AddSerialized"/> (cross-shard RENAME/COPY and gathered keys; the serialized form is the
/// listpack in both forms). Entry copies that keep the value bytes (Database.SetExpire, RENAME within a
/// shard) carry the flag with them, and MOVE relinks the blob.
///
/// Which collections: <see cref="CanInline"/>. Only hashes so far; a set or sorted-set listpack can join by
/// adding its type there and wrapping its writers in Detach/Settle.
/// Unsafe invariant for the whole file: <c>e</c> is a live entry of the calling shard, whose arena is passed
/// in; an inline value holds bytes <see cref="Listpack.Pack"/> wrote.
/// </summary>
public static unsafe partial class Collection
{
    /// <summary>
    /// Largest key plus packed listpack kept inline. Every write to an inline collection copies its listpack out and
    /// back, so the limit keeps that copy small; above it the pointer form's overhead is relatively small anyway.
    /// </summary>
    public const int InlineMaxBytes = 512;

    /// <summary>Whether collections of this type and encoding may be stored inline (their structure is a listpack).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool InlineKind(byte type, byte enc) => type == ValueKind.Hash && enc == ValueEncoding.ListPack;

    /// <summary>
    /// Whether a collection of this type and encoding, with this key size and <see cref="Listpack.PackedSize"/>,
    /// is stored inline. At least 8 bytes, so that <see cref="Detach"/> finds room for the pointer (the
    /// smallest hashes stay in the pointer form).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool CanInline(byte type, byte enc, int keyLength, int packedBytes)
        => InlineKind(type, enc) && packedBytes >= ValueSize && keyLength + packedBytes <= InlineMaxBytes;

    /// <summary>
    /// The packed size of the pointed-to listpack <paramref name="lp"/> of a collection of this type and encoding when
    /// it <see cref="CanInline"/> under a key of <paramref name="keyLength"/> bytes, else -1. A backlen is never longer
    /// than its entry, so packing at most halves the entries' bytes: a listpack that cannot get under the limit that
    /// way is not walked (Settle runs after every write to a listpack hash, whatever its size).
    /// </summary>
    static int InlineSize(byte type, byte enc, int keyLength, byte* lp)
    {
        if (!InlineKind(type, enc) || keyLength + (Listpack.TotalBytes(lp) - Listpack.EmptySize) / 2 > InlineMaxBytes) return -1;
        int packed = Listpack.PackedSize(lp);
        return CanInline(type, enc, keyLength, packed) ? packed : -1;
    }

    /// <summary>Size of the scratch buffer <see cref="Ptr"/> rebuilds inline listpacks in: a packed listpack of at
    /// most <see cref="InlineMaxBytes"/> has at most that many entries, each of which gains at most a 2-byte
    /// backlen (entries are shorter than 16383 bytes), plus the 7 bytes of header and terminator.</summary>
    const int ScratchBytes = 3 * InlineMaxBytes + Listpack.EmptySize;

    /// <summary>This thread's scratch buffer for rebuilt inline listpacks (allocated once per thread, never freed:
    /// shard threads live as long as the process).</summary>
    [ThreadStatic] static byte* t_scratch;

    /// <summary>The listpack of an inline entry, rebuilt in this thread's scratch buffer.</summary>
    static byte* Unpacked(byte* e)
    {
        byte* buf = t_scratch;
        if (buf == null) t_scratch = buf = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc(ScratchBytes);
        int size = KeyEntry.ValueLength(e);
        Debug.Assert(size <= InlineMaxBytes);
        // size <= InlineMaxBytes, so the rebuilt listpack fits ScratchBytes (see there).
        Listpack.Unpack(KeyEntry.ValuePtr(e), size, buf);
        return buf;
    }

    /// <summary>Room <see cref="UnpackInline"/> needs: the largest listpack an inline value rebuilds into.</summary>
    public const int InlineUnpackedMaxBytes = ScratchBytes;

    /// <summary>
    /// Rebuilds the listpack of the inline entry <paramref name="e"/> into the caller's <paramref name="dst"/> (at least
    /// <see cref="InlineUnpackedMaxBytes"/> bytes) and returns its size. Unlike <see cref="Ptr"/> it does not touch the
    /// thread's scratch buffer, which a running command may be holding (the snapshot serializer runs in the middle of one).
    /// </summary>
    public static int UnpackInline(byte* e, byte* dst)
    {
        Debug.Assert(KeyEntry.IsInline(e));
        int size = KeyEntry.ValueLength(e);
        Debug.Assert(size <= InlineMaxBytes);
        // size <= InlineMaxBytes, so the rebuilt listpack fits InlineUnpackedMaxBytes (see ScratchBytes).
        return Listpack.Unpack(KeyEntry.ValuePtr(e), size, dst);
    }

    /// <summary>Adds <paramref name="lp"/> packed under <paramref name="key"/> (known absent), as an inline entry.</summary>
    static byte* AddPacked(Database db, ReadOnlySpan<byte> key, byte type, byte enc, byte* lp, int packedSize, long expireAt,
        bool overwrite = false)
    {
        Debug.Assert(packedSize <= InlineMaxBytes);
        byte* buf = stackalloc byte[InlineMaxBytes];
        Listpack.Pack(lp, buf);
        return db.AddRaw(key, type, enc, new ReadOnlySpan<byte>(buf, packedSize), expireAt, inlineValue: true, overwrite: overwrite);
    }

    /// <summary>Frees what the entry's value owns: nothing for a string or an inline collection.</summary>
    public static void FreeValue(Arena arena, byte* e)
    {
        byte type = KeyEntry.Type(e);
        if (type == ValueKind.String || KeyEntry.IsInline(e)) return;
        Free(arena, type, KeyEntry.Encoding(e), Ptr(e));
    }

    /// <summary>Arena bytes the value owns outside the entry blob (MEMORY USAGE adds the blob itself).</summary>
    public static long ValueBytesUsed(byte* e)
    {
        byte type = KeyEntry.Type(e);
        if (type == ValueKind.String || KeyEntry.IsInline(e)) return 0;
        return BytesUsed(type, KeyEntry.Encoding(e), Ptr(e));
    }

    /// <summary>
    /// COPY: adds a deep copy of the collection entry <paramref name="e"/> under <paramref name="key"/> (known
    /// absent), in the form the new key calls for.
    /// </summary>
    public static void AddCopy(Database db, Arena arena, ReadOnlySpan<byte> key, byte* e, long expireAt)
    {
        byte type = KeyEntry.Type(e), enc = KeyEntry.Encoding(e);
        Debug.Assert(type != ValueKind.String);
        if (KeyEntry.IsInline(e) && CanInline(type, enc, key.Length, KeyEntry.ValueLength(e)))
        {
            db.AddRaw(key, type, enc, KeyEntry.Value(e), expireAt, inlineValue: true);
            return;
        }
        byte* p = Ptr(e);
        int packed = InlineSize(type, enc, key.Length, p);
        if (packed >= 0) AddPacked(db, key, type, enc, p, packed, expireAt);
        else db.AddCollection(key, type, enc, Clone(arena, type, enc, p), expireAt);
    }

    /// <summary>
    /// RENAME within a shard copied the value bytes (and the flag) under a new key, whose length may call for
    /// the other form: puts the entry into that form. Returns the entry, which may have moved.
    /// </summary>
    public static byte* Rehome(Database db, Arena arena, byte* e)
    {
        byte type = KeyEntry.Type(e), enc = KeyEntry.Encoding(e);
        if (!InlineKind(type, enc)) return e;
        int keyLength = KeyEntry.KeyLength(e);
        bool fits = KeyEntry.IsInline(e) ? CanInline(type, enc, keyLength, KeyEntry.ValueLength(e)) : InlineSize(type, enc, keyLength, Ptr(e)) >= 0;
        if (KeyEntry.IsInline(e) == fits) return e;
        Detach(arena, e);
        return Settle(db, arena, e);
    }

    /// <summary>
    /// Adds a collection from its serialized form (key known absent), inline when it qualifies; false when
    /// the bytes are not a valid structure of that type and encoding (nothing is added then).
    /// <paramref name="overwrite"/> as in <see cref="Database.AddCollection"/>.
    /// </summary>
    public static bool AddSerialized(Database db, Arena arena, ReadOnlySpan<byte> key, byte type, byte enc,
        ReadOnlySpan<byte> data, long expireAt, bool overwrite = false)
    {
        byte* p = Deserialize(arena, type, enc, data);
        if (p == null) return false;
        int packed = InlineSize(type, enc, key.Length, p);
        if (packed >= 0)
        {
            AddPacked(db, key, type, enc, p, packed, expireAt, overwrite);
            Listpack.Free(arena, p);
            return true;
        }
        db.AddCollection(key, type, enc, p, expireAt, overwrite);
        return true;
    }

    /// <summary>
    /// Adds the structure <paramref name="p"/> of (type, encoding), built for this key, under <paramref name="key"/>
    /// (known absent), inline when it qualifies (then <paramref name="p"/> is freed); the entry owns it otherwise.
    /// Returns the new entry.
    /// </summary>
    public static byte* AddStructure(Database db, Arena arena, ReadOnlySpan<byte> key, byte type, byte enc, byte* p, long expireAt)
    {
        int packed = InlineSize(type, enc, key.Length, p);
        if (packed < 0) return db.AddCollection(key, type, enc, p, expireAt);
        byte* e = AddPacked(db, key, type, enc, p, packed, expireAt);
        Listpack.Free(arena, p);
        return e;
    }

    /// <summary>
    /// Before a command writes a collection: an inline listpack moves to a blob of its own and the entry
    /// takes the pointer form in place (an inline value has room for the pointer, see <see cref="CanInline"/>),
    /// so <paramref name="e"/> stays valid. Nothing to do in the pointer form.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Detach(Arena arena, byte* e)
    {
        if (KeyEntry.IsInline(e)) DetachInline(arena, e);
    }

    static void DetachInline(Arena arena, byte* e)
    {
        int packed = KeyEntry.ValueLength(e);
        Debug.Assert(KeyEntry.Encoding(e) == ValueEncoding.ListPack);
        Debug.Assert(KeyEntry.ValueCapacity(e) >= ValueSize);
        // The blob of a listpack is the block of its size (FastKv.Memory/README.md, Listpack).
        int size = Listpack.UnpackedSize(KeyEntry.ValuePtr(e), packed);
        byte* lp = arena.Alloc((nuint)size);
        Listpack.Unpack(KeyEntry.ValuePtr(e), packed, lp);
        KeyEntry.SetInline(e, false);
        KeyEntry.SetValueLength(e, ValueSize);
        *(byte**)KeyEntry.ValuePtr(e) = lp;
    }

    /// <summary>
    /// After a command's last write to a collection (undoes <see cref="Detach"/>): a listpack that
    /// <see cref="CanInline"/> goes back into the entry and its blob is freed; otherwise the entry keeps
    /// the pointer form in a block of that form's size. Returns the entry, which may have moved: the caller's
    /// pointers to the old entry and into its structure are invalid afterwards.
    /// </summary>
    public static byte* Settle(Database db, Arena arena, byte* e)
    {
        if (KeyEntry.IsInline(e)) return e; // not detached: nothing was written
        byte type = KeyEntry.Type(e), enc = KeyEntry.Encoding(e);
        byte* p = Ptr(e);
        int keyLength = KeyEntry.KeyLength(e);
        int packed = InlineSize(type, enc, keyLength, p);
        if (packed >= 0)
        {
            byte* buf = stackalloc byte[InlineMaxBytes];
            Listpack.Pack(p, buf);
            byte* n = db.ReplaceValue(e, new ReadOnlySpan<byte>(buf, packed), inlineValue: true);
            Listpack.Free(arena, p);
            return n;
        }
        if ((nuint)KeyEntry.AllocSize(e) == Arena.UsableSize((nuint)KeyEntry.SizeFor(keyLength, ValueSize, KeyEntry.HasExpire(e))))
            return e;
        return db.ReplaceValue(e, new ReadOnlySpan<byte>(&p, ValueSize), inlineValue: false);
    }
}
