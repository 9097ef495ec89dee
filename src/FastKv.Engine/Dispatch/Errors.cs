namespace FastKv.Engine;

/// <summary>Redis's error replies, word for word (without the leading '-').</summary>
public static class Errors
{
    public const string Syntax = "ERR syntax error";
    public const string NotInteger = "ERR value is not an integer or out of range";
    public const string NotFloat = "ERR value is not a valid float";
    public const string WrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
    public const string NoSuchKey = "ERR no such key";
    public const string Overflow = "ERR increment or decrement would overflow";
    public const string NanOrInf = "ERR increment would produce NaN or Infinity";
    public const string InvalidExpire = "ERR invalid expire time in '{0}' command";
    public const string IntOutOfRange = "ERR value is out of range, value must between -2147483648 and 2147483647";
    public const string DbIndexOutOfRange = "ERR DB index is out of range";
    public const string NoAuth = "NOAUTH Authentication required.";
    public const string WrongPass = "WRONGPASS invalid username-password pair or user is disabled.";
    public const string StringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    public const string OffsetOutOfRange = "ERR offset is out of range";
    public const string NumKeysNotPositive = "ERR numkeys should be greater than 0";
    public const string BadLexRange = "ERR min or max not valid string range item";
    public const string BadScoreRange = "ERR min or max is not a float";
    public const string LongOutOfRange = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
    public const string NotPositive = "ERR value is out of range, must be positive";
    public const string OutOfRange = "ERR value is out of range";
    public const string CountNotPositive = "ERR count should be greater than 0";
    public const string TimeoutOutOfRange = "ERR timeout is out of range";
    public const string TimeoutNegative = "ERR timeout is negative";
    public const string SameObject = "ERR source and destination objects are the same";
    public const string InvalidCursor = "ERR invalid cursor";
    public const string NegativeLimit = "ERR LIMIT can't be negative";
    public const string InvalidCommand = "ERR Invalid command specified";
    /// <summary>Redis's shared.bgsaveerr: writes after a failed save with stop-writes-on-bgsave-error.</summary>
    public const string NoReplicas = "NOREPLICAS Not enough good replicas to write.";
    public const string BgsaveError = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. "
        + "Commands that may modify the data set are disabled, because this instance is configured to report errors during writes "
        + "if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
    /// <summary>Redis's shared.loadingerr.</summary>
    public const string Loading = "LOADING Redis is loading the dataset in memory";
    public const string Oom = "OOM command not allowed when used memory > 'maxmemory'.";
    /// <summary>EXEC refused before it runs (execCommandAbort): this prefix, then the refusal's error.</summary>
    public const string ExecAbortBecause = "EXECABORT Transaction discarded because of: ";
    /// <summary>shutdownCommand when prepareForShutdown fails (a failed save, the first AOF rewrite still running).</summary>
    public const string ShutdownFailed = "ERR Errors trying to SHUTDOWN. Check logs.";
    /// <summary>DEBUG while enable-debug-command does not allow it (Redis's CMD_PROTECTED check).</summary>
    public const string DebugNotAllowed = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
        + "you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";
    public const string BadClientName = "ERR Client names cannot contain spaces, newlines or special characters.";
    public const string TimeoutNotInteger = "ERR timeout is not an integer or out of range";
    public const string InvalidStartId = "ERR invalid start ID for the interval";
    public const string InvalidEndId = "ERR invalid end ID for the interval";
    /// <summary>A DUMP payload (RESTORE, FUNCTION RESTORE) whose footer's version or CRC does not check.</summary>
    public const string BadDumpPayload = "ERR DUMP payload version or checksum are wrong";
    public const string NotBusy = "NOTBUSY No scripts in execution right now.";
    public const string LuaStackLimit = "ERR reached lua stack limit";
    public const string MoreKeysThanArgs = "ERR Number of keys can't be greater than number of args";
    public const string InvalidLibraryMetadata = "ERR Invalid library metadata";
    public const string CountNotAboveZero = "ERR COUNT must be > 0";
    public const string BgsaveInProgress = "ERR Background save already in progress";
    /// <summary>A Lua error whose value is not a string.</summary>
    public const string UnknownError = "ERR unknown error";

    /// <summary>A container command's unknown subcommand, or a known one with the wrong argument count.</summary>
    public static string UnknownSubcommandOrArgs(string sub, string container) =>
        "ERR unknown subcommand or wrong number of arguments for '" + sub + "'. Try " + container + " HELP.";

    public static string UnknownSubcommand(string sub, string container) =>
        "ERR unknown subcommand '" + sub + "'. Try " + container + " HELP.";

    /// <summary>A stream command's group read when the key or the group is missing.</summary>
    public static string NoKeyOrGroup(string key, string group) =>
        "NOGROUP No such key '" + key + "' or consumer group '" + group + "'";

    public static string LibraryExists(string name) => "ERR Library '" + name + "' already exists";

    public static string FunctionExists(string name) => "ERR Function " + name + " already exists";

    /// <summary>CONFIG SET refused (Redis names the first parameter that failed).</summary>
    public static string ConfigSetFailed(string parameter, string why) =>
        "ERR CONFIG SET failed (possibly related to argument '" + parameter + "') - " + why;

    public static string NoGroupForKey(string group, string key) =>
        "NOGROUP No such consumer group '" + group + "' for key name '" + key + "'";

    public static string WrongArgs(string command) =>
        "ERR wrong number of arguments for '" + command + "' command";
}
