using System;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastKv.Memory;

/// <summary>
/// A shard's allocator: a slab allocator over 64 KiB native pages aligned to 64 KiB (mapped in runs,
/// Arena.PageSource.cs), so the page header of any small block is found by masking its address. Requests up to <see cref="MaxSmallSize"/>
/// are rounded to a size class (Arena.SizeClasses.cs) and served from a page of that class; larger
/// requests get their own malloc block, linked so <see cref="Dispose"/> frees everything.
/// <para>
/// Single-threaded by design: exactly one shard thread uses an arena, so there are no locks and no
/// interlocked operations. A page whose last block is freed goes back to the OS, except that each class
/// keeps at most one empty spare page (<see cref="TrimSpares"/> releases them).
/// </para>
/// </summary>
public sealed unsafe partial class Arena : IDisposable
{
    /// <summary>Per-class state; ClassCount entries; null once disposed.</summary>
    ClassState* _classes;
    /// <summary>Head of the list of large allocations.</summary>
    LargeHeader* _large;
    /// <summary>Head of the list of every page held, full, partial or spare.</summary>
    PageHeader* _allPages;
    long _usedBytes;
    long _reservedBytes;
    int _pagesHeld;

    public Arena()
    {
        _classes = (ClassState*)NativeMemory.AllocZeroed((nuint)ClassCount, (nuint)sizeof(ClassState));
    }

    /// <summary>Sum of <see cref="UsableSize"/> over live allocations.</summary>
    public long UsedBytes => _usedBytes;

    /// <summary>Bytes held from the OS: pages (including spares) and large blocks with their headers.</summary>
    public long ReservedBytes => _reservedBytes;

    /// <summary>True after <see cref="Dispose"/>.</summary>
    public bool IsDisposed => _classes == null;

    /// <summary>Pages held, including the per-class spares.</summary>
    public int PagesHeld => _pagesHeld;

    /// <summary>The size a request is rounded to; the caller may use all of it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nuint UsableSize(nuint size)
        => size <= MaxSmallSize ? ClassSizes[ClassOf(size)] : (size + 7) & ~(nuint)7;

    /// <summary>Allocates <paramref name="size"/> (&gt; 0) bytes, 8-byte aligned. Never returns null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Alloc(nuint size)
    {
        Debug.Assert(size > 0, "zero-byte allocations are not supported");
        Debug.Assert(_classes != null, "arena disposed");
        if (size > MaxSmallSize) return AllocLarge(size);

        int c = ClassOf(size);
        // _classes has ClassCount entries and c < ClassCount.
        PageHeader* page = _classes[c].Partial;
        if (page == null) page = AddPage(c);
        Debug.Assert(page->Magic == PageMagic && page->Live < page->Capacity);

        byte* block = page->FreeList;
        if (block != null)
        {
            // A free block holds the next free block's address in its first 8 bytes.
            page->FreeList = *(byte**)block;
        }
        else
        {
            // Partial page with an empty free list: the invariant guarantees room past BumpOffset.
            Debug.Assert(page->BumpOffset + page->BlockSize <= PageSize);
            block = (byte*)page + page->BumpOffset;
            page->BumpOffset += page->BlockSize;
        }
        if (++page->Live == page->Capacity) Unlink(c, page);
        _usedBytes += page->BlockSize;
        return block;
    }

    /// <summary>
    /// Frees a block from <see cref="Alloc"/>. <paramref name="size"/> is the size passed to Alloc or any
    /// size that maps to the same class (for instance its UsableSize).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(byte* p, nuint size)
    {
        Debug.Assert(p != null);
        Debug.Assert(_classes != null, "arena disposed");
        if (size > MaxSmallSize) { FreeLarge(p, size); return; }

        // Small blocks live in 64 KiB-aligned pages, so masking finds the header.
        PageHeader* page = (PageHeader*)((nuint)p & ~PageMask);
        Debug.Assert(page->Magic == PageMagic, "not a block of this arena");
        Debug.Assert(page->ClassIndex == ClassOf(size), "Free size maps to another class than Alloc's");
        Debug.Assert(((nuint)p - (nuint)page - PageHeaderSize) % page->BlockSize == 0, "not a block start");
        Debug.Assert(page->Live > 0);

        *(byte**)p = page->FreeList;
        page->FreeList = p;
        _usedBytes -= page->BlockSize;
        uint live = --page->Live;
        if (live == 0) { ReleaseEmptyPage(page); return; }
        if (live == page->Capacity - 1) LinkFront(page->ClassIndex, page);
    }

    /// <summary>
    /// Resizes a block, keeping the first min(old, new) bytes. Returns <paramref name="p"/> itself when
    /// both sizes round to the same class.
    /// </summary>
    public byte* Realloc(byte* p, nuint oldSize, nuint newSize)
    {
        Debug.Assert(p != null && oldSize > 0 && newSize > 0);
        bool oldLarge = oldSize > MaxSmallSize, newLarge = newSize > MaxSmallSize;
        if (!oldLarge && !newLarge && ClassOf(oldSize) == ClassOf(newSize)) return p;
        if (oldLarge && newLarge) return ReallocLarge(p, oldSize, newSize);

        byte* q = Alloc(newSize);
        // Both blocks are at least min(old, new) bytes long and do not overlap.
        Buffer.MemoryCopy(p, q, (long)UsableSize(newSize), (long)Math.Min(UsableSize(oldSize), UsableSize(newSize)));
        Free(p, oldSize);
        return q;
    }

    /// <summary>Returns every class's spare empty page to the OS.</summary>
    public void TrimSpares()
    {
        for (int c = 0; c < ClassCount; c++)
        {
            PageHeader* spare = _classes[c].Spare;
            if (spare == null) continue;
            _classes[c].Spare = null;
            FreePage(spare);
        }
    }

    // ---- pages ----

    /// <summary>Makes a page of class <paramref name="c"/> the head of its partial list and returns it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    PageHeader* AddPage(int c)
    {
        PageHeader* page = _classes[c].Spare;
        if (page != null)
        {
            _classes[c].Spare = null;
        }
        else
        {
            page = (PageHeader*)TakePage();
            page->AllPrev = null;
            page->AllNext = _allPages;
            if (_allPages != null) _allPages->AllPrev = page;
            _allPages = page;
            _pagesHeld++;
            _reservedBytes += PageSize;
        }
        uint blockSize = ClassSizes[c];
        page->Next = null;
        page->Prev = null;
        page->FreeList = null;
        page->BumpOffset = PageHeaderSize;
        page->BlockSize = blockSize;
        page->Live = 0;
        page->Capacity = PageUsable / blockSize;
        page->ClassIndex = (byte)c;
        page->InPartial = 0;
        page->Reserved = 0;
        page->Magic = PageMagic;
        LinkFront(c, page);
        return page;
    }

    /// <summary>A page just became empty: keep it as the class spare, or give it back to the OS.</summary>
    void ReleaseEmptyPage(PageHeader* page)
    {
        int c = page->ClassIndex;
        if (page->InPartial != 0) Unlink(c, page);
        if (_classes[c].Spare == null)
            _classes[c].Spare = page; // AddPage reinitializes it
        else
            FreePage(page);
    }

    void FreePage(PageHeader* page)
    {
        if (page->AllPrev != null) page->AllPrev->AllNext = page->AllNext; else _allPages = page->AllNext;
        if (page->AllNext != null) page->AllNext->AllPrev = page->AllPrev;
        page->Magic = 0; // a stale pointer into a freed page trips the Debug.Assert in Free (it reads back as 0)
        ReturnPage((byte*)page);
        _pagesHeld--;
        _reservedBytes -= PageSize;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void LinkFront(int c, PageHeader* page)
    {
        Debug.Assert(page->InPartial == 0);
        PageHeader* head = _classes[c].Partial;
        page->Prev = null;
        page->Next = head;
        if (head != null) head->Prev = page;
        _classes[c].Partial = page;
        page->InPartial = 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void Unlink(int c, PageHeader* page)
    {
        Debug.Assert(page->InPartial != 0);
        if (page->Prev != null) page->Prev->Next = page->Next;
        else _classes[c].Partial = page->Next;
        if (page->Next != null) page->Next->Prev = page->Prev;
        page->Next = page->Prev = null;
        page->InPartial = 0;
    }

    // ---- large blocks ----

    [MethodImpl(MethodImplOptions.NoInlining)]
    byte* AllocLarge(nuint size)
    {
        nuint usable = (size + 7) & ~(nuint)7;
        var h = (LargeHeader*)NativeMemory.Alloc(usable + LargeHeaderSize);
        if (h == null) ThrowOutOfMemory();
        h->Size = usable;
        h->Magic = LargeMagic;
        h->Prev = null;
        h->Next = _large;
        if (_large != null) _large->Prev = h;
        _large = h;
        _usedBytes += (long)usable;
        _reservedBytes += (long)(usable + LargeHeaderSize);
        return (byte*)h + LargeHeaderSize;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    void FreeLarge(byte* p, nuint size)
    {
        // p came from AllocLarge, so its header sits just before it.
        var h = (LargeHeader*)(p - LargeHeaderSize);
        Debug.Assert(h->Magic == LargeMagic, "not a large block of this arena");
        Debug.Assert(h->Size == ((size + 7) & ~(nuint)7), "Free size differs from Alloc size");
        if (h->Prev != null) h->Prev->Next = h->Next; else _large = h->Next;
        if (h->Next != null) h->Next->Prev = h->Prev;
        _usedBytes -= (long)h->Size;
        _reservedBytes -= (long)(h->Size + LargeHeaderSize);
        h->Magic = 0;
        NativeMemory.Free(h);
    }

    byte* ReallocLarge(byte* p, nuint oldSize, nuint newSize)
    {
        // p came from AllocLarge; after NativeMemory.Realloc the neighbours are re-pointed at the new header.
        var h = (LargeHeader*)(p - LargeHeaderSize);
        Debug.Assert(h->Magic == LargeMagic && h->Size == ((oldSize + 7) & ~(nuint)7));
        nuint oldUsable = h->Size, newUsable = (newSize + 7) & ~(nuint)7;
        var n = (LargeHeader*)NativeMemory.Realloc(h, newUsable + LargeHeaderSize);
        if (n == null) ThrowOutOfMemory(); // the old block is still valid and still linked
        n->Size = newUsable;
        if (n->Prev != null) n->Prev->Next = n; else _large = n;
        if (n->Next != null) n->Next->Prev = n;
        _usedBytes += (long)newUsable - (long)oldUsable;
        _reservedBytes += (long)newUsable - (long)oldUsable;
        return (byte*)n + LargeHeaderSize;
    }

    // ---- lifetime ----

    /// <summary>Frees every page and large block; pointers from this arena become invalid.</summary>
    public void Dispose()
    {
        if (_classes == null) return;
        UnmapRuns();
        _allPages = null;
        while (_large != null)
        {
            LargeHeader* next = _large->Next;
            NativeMemory.Free(_large);
            _large = next;
        }
        NativeMemory.Free(_classes);
        _classes = null;
        _usedBytes = 0;
        _reservedBytes = 0;
        _pagesHeld = 0;
        GC.SuppressFinalize(this);
    }

    ~Arena()
    {
        Dispose();
    }

    [DoesNotReturn]
    static void ThrowOutOfMemory() => throw new OutOfMemoryException("FastKv arena: the OS refused memory");
}
