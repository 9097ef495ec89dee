using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// An error reply written in more than one place lives in <see cref="Errors"/> (STYLE: one spelling of Redis's
/// words). Looks at every string literal in src/ that starts with an error code ("ERR ...", "NOGROUP ..."): a whole
/// error, or the first words of one built around a name (those are helpers in Errors once written twice; two
/// different errors that only begin alike, such as the two prefix-overlap errors of CLIENT TRACKING, are listed in
/// <see cref="DifferentErrorsAlike"/>).
/// </summary>
public class ErrorStringsTests
{
    static readonly Regex ErrorLiteral = new(@"""((?:ERR|WRONGTYPE|NOGROUP|BUSYGROUP|NOSCRIPT|BUSY|UNKILLABLE|NOTBUSY|NOPERM|NOAUTH|WRONGPASS|MISCONF|LOADING|OOM|EXECABORT|NOPROTO|READONLY) [^""\\]*)""");

    /// <summary>Starts of built errors shared by errors that differ after the name they quote.</summary>
    static readonly HashSet<string> DifferentErrorsAlike = new(StringComparer.Ordinal)
    {
        "ERR Prefix '", // overlaps with an existing prefix / with another provided prefix
        "ERR FastKv cannot run ", // inside a script with several shards / over keys of several shards
    };

    static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "FastKv.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("FastKv.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void AnErrorWrittenTwice_LivesInErrors()
    {
        string root = RepoRoot();
        string errorsFile = Path.GetFullPath(Path.Combine(root, "src/FastKv.Engine/Dispatch/Errors.cs"));
        var uses = new Dictionary<string, List<string>>();
        foreach (string file in Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            string full = Path.GetFullPath(file);
            if (full == errorsFile || full.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar)) continue;
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].TrimStart().StartsWith("///", StringComparison.Ordinal)) continue;
                foreach (Match m in ErrorLiteral.Matches(lines[i]))
                {
                    string text = m.Groups[1].Value;
                    if (!uses.TryGetValue(text, out var at)) uses[text] = at = new List<string>();
                    at.Add(Path.GetRelativePath(root, file) + ":" + (i + 1));
                }
            }
        }
        // "ERR " alone (a prefix put before a message from elsewhere) is not an error's text.
        var twice = uses.Where(u => u.Value.Count > 1 && u.Key.Trim() != "ERR" && !DifferentErrorsAlike.Contains(u.Key))
            .Select(u => u.Key + " at " + string.Join(", ", u.Value)).ToList();
        Assert.True(twice.Count == 0, "error texts written more than once outside Errors:\n" + string.Join("\n", twice));
        Assert.True(uses.Count > 50, $"the scan found only {uses.Count} error texts: the pattern no longer matches the code");
    }
}
