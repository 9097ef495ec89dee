using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastKv.Engine;

/// <summary>
/// The C library's sin, cos and asin, which Redis's haversine calls. Nothing promises that .NET's Math functions
/// run the same code on every runtime version and platform, and a distance one ulp off changes a STOREDIST score
/// and the order of near-equal distances, so geo math calls the process's libm as redis-server does.
/// No GC transition: each is a short, pure, non-blocking function.
/// </summary>
internal static partial class LibM
{
    const string Library = "libm.so.6";

    [LibraryImport(Library, EntryPoint = "sin")]
    [SuppressGCTransition]
    internal static partial double Sin(double x);

    [LibraryImport(Library, EntryPoint = "cos")]
    [SuppressGCTransition]
    internal static partial double Cos(double x);

    [LibraryImport(Library, EntryPoint = "asin")]
    [SuppressGCTransition]
    internal static partial double Asin(double x);
}
