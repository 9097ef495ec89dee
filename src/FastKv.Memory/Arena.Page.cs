using System.Runtime.InteropServices;

namespace FastKv.Memory;

public sealed unsafe partial class Arena
{
    /// <summary>Bytes per page; also the page alignment, so <c>p &amp; ~PageMask</c> is its header.</summary>
    public const int PageSize = 64 * 1024;
    const nuint PageMask = PageSize - 1;
    /// <summary>Header at the start of every page; blocks follow it.</summary>
    const int PageHeaderSize = 64;
    const uint PageUsable = PageSize - PageHeaderSize;
    const uint PageMagic = 0x46_4B_50_47; // "FKPG": checked by Debug.Assert on Free
    const uint LargeMagic = 0x46_4B_4C_47; // "FKLG"

    /// <summary>
    /// The header of a 64 KiB page of one size class. Blocks start at offset 64; block k lives at
    /// 64 + k * BlockSize. Blocks below BumpOffset have been handed out at least once; the free ones
    /// among them are chained through their first 8 bytes from FreeList.
    /// <code>
    ///  offset  size  field
    ///   0      ptr   Next         partial-list link (pages of this class with a free block)
    ///   8      ptr   Prev
    ///  16      ptr   FreeList     first free block below BumpOffset, or null
    ///  24      u32   BumpOffset   offset of the first never-used block
    ///  28      u32   BlockSize    class size
    ///  32      u32   Live         blocks handed out and not freed
    ///  36      u32   Capacity     blocks per page
    ///  40      u8    ClassIndex
    ///  41      u8    InPartial    1 while linked in its class's partial list
    ///  42      u16   reserved
    ///  44      u32   Magic        PageMagic
    ///  48      ptr   AllNext      list of every page held
    ///  56      ptr   AllPrev
    /// </code>
    /// Invariant: InPartial == (Live &lt; Capacity) for pages in use; the spare page is in no list.
    /// If Live &lt; Capacity then FreeList != null or BumpOffset + BlockSize &lt;= PageSize.
    /// </summary>
    [StructLayout(LayoutKind.Sequential, Size = PageHeaderSize)]
    struct PageHeader
    {
        public PageHeader* Next;
        public PageHeader* Prev;
        public byte* FreeList;
        public uint BumpOffset;
        public uint BlockSize;
        public uint Live;
        public uint Capacity;
        public byte ClassIndex;
        public byte InPartial;
        public ushort Reserved;
        public uint Magic;
        public PageHeader* AllNext;
        public PageHeader* AllPrev;
    }

    /// <summary>
    /// Per-class state, in one native array indexed by class.
    /// <code>
    ///  0  ptr  Partial   head of the list of pages with at least one free block
    ///  8  ptr  Spare     one empty page kept to avoid alloc/free thrash at a page boundary, or null
    /// </code>
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    struct ClassState
    {
        public PageHeader* Partial;
        public PageHeader* Spare;
    }

    /// <summary>
    /// Header in front of every large allocation (its own malloc block), linked so Dispose frees all.
    /// <code>
    ///  0  ptr  Prev
    ///  8  ptr  Next
    /// 16  u64  Size    usable bytes after the header
    /// 24  u32  Magic   LargeMagic
    /// 28  u32  reserved
    /// 32       user bytes (16-byte aligned as malloc returns 16-byte aligned blocks)
    /// </code>
    /// </summary>
    [StructLayout(LayoutKind.Sequential, Size = LargeHeaderSize)]
    struct LargeHeader
    {
        public LargeHeader* Prev;
        public LargeHeader* Next;
        public nuint Size;
        public uint Magic;
    }

    const int LargeHeaderSize = 32;
}
