namespace FastKv.Engine;

/// <summary>Value types as Redis numbers them (OBJ_STRING ...), stored in KeyEntry byte 0.</summary>
public static class ValueKind
{
    public const byte String = 0;
    public const byte List = 1;
    public const byte Set = 2;
    public const byte ZSet = 3;
    public const byte Hash = 4;
    /// <summary>OBJ_STREAM (5 is Redis's OBJ_MODULE).</summary>
    public const byte Stream = 6;

    public static string Name(byte type) => type switch
    {
        String => "string",
        List => "list",
        Set => "set",
        ZSet => "zset",
        Hash => "hash",
        Stream => "stream",
        _ => "none",
    };
}

/// <summary>Encodings as Redis numbers them (OBJ_ENCODING_*), stored in KeyEntry byte 1.</summary>
public static class ValueEncoding
{
    public const byte Raw = 0;
    public const byte Int = 1;
    public const byte HashTable = 2;
    public const byte IntSet = 6;
    public const byte SkipList = 7;
    public const byte EmbStr = 8;
    public const byte QuickList = 9;
    public const byte Stream = 10;
    public const byte ListPack = 11;

    /// <summary>Longest string Redis keeps as embstr.</summary>
    public const int EmbStrLimit = 44;

    public static string Name(byte enc) => enc switch
    {
        Raw => "raw",
        Int => "int",
        HashTable => "hashtable",
        IntSet => "intset",
        SkipList => "skiplist",
        EmbStr => "embstr",
        QuickList => "quicklist",
        Stream => "stream",
        ListPack => "listpack",
        _ => "unknown",
    };
}
