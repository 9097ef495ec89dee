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
    public const string BadClientName = "ERR Client names cannot contain spaces, newlines or special characters.";

    public static string WrongArgs(string command) =>
        "ERR wrong number of arguments for '" + command + "' command";
}
