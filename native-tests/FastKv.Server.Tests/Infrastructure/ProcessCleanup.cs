using System;
using System.Diagnostics;
using System.IO;

namespace FastKv.Server.Tests.Infrastructure;

/// <summary>Ends a server process the tests started and removes its working directory.</summary>
public static class ProcessCleanup
{
    public static void KillAndDelete(Process process, string workDir)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
        process.Dispose();
        try
        {
            Directory.Delete(workDir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
