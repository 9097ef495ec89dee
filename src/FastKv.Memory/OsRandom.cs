using System;
using System.Runtime.InteropServices;

namespace FastKv.Memory;

/// <summary>
/// Secrets for hash seeds, from the kernel's getrandom(2). Not <c>RandomNumberGenerator</c>: on Linux that
/// loads OpenSSL (libcrypto and libssl, about 3.5 MB resident) for eight bytes the kernel hands out directly.
/// </summary>
public static unsafe partial class OsRandom
{
    [LibraryImport("libc", EntryPoint = "getrandom", SetLastError = true)]
    private static partial nint GetRandom(void* buf, nuint count, uint flags);

    /// <summary>
    /// 64 random bits from getrandom(2) (blocking only until the kernel's pool is first seeded, at boot); if the
    /// call is unavailable, from <see cref="Random.Shared"/>, which the runtime seeds from the OS.
    /// </summary>
    public static ulong NextUInt64()
    {
        ulong v;
        try
        {
            if (GetRandom(&v, sizeof(ulong), 0) == sizeof(ulong)) return v;
        }
        catch (EntryPointNotFoundException) { }
        catch (DllNotFoundException) { }
        return (ulong)Random.Shared.NextInt64() ^ ((ulong)Random.Shared.NextInt64() << 1);
    }
}
