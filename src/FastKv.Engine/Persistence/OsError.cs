using System;
using System.IO;

namespace FastKv.Engine;

/// <summary>strerror's words for the I/O failures .NET reports as exceptions, so log lines read as Redis's.</summary>
public static class OsError
{
    public static string Text(Exception ex) => ex switch
    {
        UnauthorizedAccessException => "Permission denied",
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        _ => ex.Message,
    };
}
