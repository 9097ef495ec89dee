namespace FastKv.Engine;

/// <summary>
/// The value types of Redis's RDB format (rdb.h RDB_TYPE_*): the byte before a key in an RDB file and the first
/// byte of a DUMP payload. 8 was never used; 6, 7 are module values and 15, 19, 21 streams.
/// </summary>
public static class RdbType
{
    public const byte String = 0;
    public const byte List = 1;
    public const byte Set = 2;
    public const byte ZSet = 3;
    public const byte Hash = 4;
    public const byte ZSet2 = 5;
    public const byte ModulePre = 6;
    public const byte Module2 = 7;
    public const byte HashZipmap = 9;
    public const byte ListZiplist = 10;
    public const byte SetIntset = 11;
    public const byte ZSetZiplist = 12;
    public const byte HashZiplist = 13;
    public const byte ListQuicklist = 14;
    public const byte StreamListpacks = 15;
    public const byte HashListpack = 16;
    public const byte ZSetListpack = 17;
    public const byte ListQuicklist2 = 18;
    public const byte StreamListpacks2 = 19;
    public const byte SetListpack = 20;
    public const byte StreamListpacks3 = 21;

    /// <summary>A type whose whole value is one RDB string: a string, or a blob (zipmap, ziplist, intset, listpack).</summary>
    public static bool IsOneString(byte t) => t is String or HashZipmap or ListZiplist or SetIntset or ZSetZiplist or HashZiplist
        or HashListpack or ZSetListpack or SetListpack;

    /// <summary>rdbIsObjectType: a byte that names a value type rather than an opcode or nothing.</summary>
    public static bool IsObjectType(int t) => (t >= 0 && t <= 7) || (t >= 9 && t <= 21);
}

/// <summary>RDB opcodes (rdb.h's RDB_OPCODE_*): the bytes before a record that are not a value type.</summary>
public static class RdbOpcode
{
    public const byte Function2 = 245;
    /// <summary>Functions of a 7.0 release candidate (refused, as Redis 7.2 refuses them).</summary>
    public const byte FunctionPre = 246;
    public const byte ModuleAux = 247;
    public const byte Idle = 248;
    public const byte Freq = 249;
    public const byte Aux = 250;
    public const byte ResizeDb = 251;
    public const byte ExpireTimeMs = 252;
    public const byte ExpireTime = 253;
    public const byte SelectDb = 254;
    public const byte Eof = 255;
}
