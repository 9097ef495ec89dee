namespace FastKv.Engine;

/// <summary>
/// What INFO's loading_* fields show while a dataset loads (Redis's startLoading and loading*Progress): an RDB file
/// (<see cref="RdbLoader"/>) or a whole AOF directory (<see cref="AofLoader"/>, whose total spans the base and every
/// INCR file). Read from any thread while the loader runs.
/// </summary>
public interface ILoadProgress
{
    /// <summary>When the load started, in Unix milliseconds (loading_start_time).</summary>
    long StartedMs { get; }
    /// <summary>Bytes to load (loading_total_bytes).</summary>
    long TotalBytes { get; }
    /// <summary>Bytes loaded so far (loading_loaded_bytes).</summary>
    long LoadedBytes { get; }
    /// <summary>The used-mem AUX field of the RDB being loaded, 0 without one (loading_rdb_used_mem).</summary>
    long UsedMemAtSave { get; }
}
