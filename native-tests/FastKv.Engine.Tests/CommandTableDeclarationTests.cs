using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// The command table is the one place a command's behaviour is declared (STYLE.md): nothing in the engine
/// recognises a command by its name, every command shows Redis's facts with a summary of our own, and every
/// command has a test that names it.
/// </summary>
public class CommandTableDeclarationTests
{
    static readonly CommandTable Table = CommandTable.CreateDefault();

    static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "FastKv.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("FastKv.sln not found above " + AppContext.BaseDirectory);
    }

    static IEnumerable<string> SourceFiles(string root, params string[] dirs) =>
        dirs.SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar)
                        && !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar));

    static HashSet<string> CommandNames()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (CommandSpec s in Table.All)
        {
            names.Add(s.Name);
            names.Add(s.FullName);
        }
        return names;
    }

    // A switch over a name, indexing or slicing it, or comparing it with a literal.
    static readonly Regex NameSwitch = new(@"switch\s*\(\s*[\w.]*\b(Full)?Name\s*\)|\b(Full)?Name\s*switch\b|\b(Full)?Name\s*\[|\b(Full)?Name\.(Substring|StartsWith|EndsWith|Equals|Contains|AsSpan)\(");
    static readonly Regex NameLiteral = new(@"\b(Full)?Name\s*(==|!=|is|is not)\s*""([^""]*)""|""([^""]*)""\s*(==|!=)\s*[\w.]*\b(Full)?Name\b");
    static readonly Regex OrLiteral = new(@"^\s*or\s+""([^""]*)""|\bor\s+""([^""]*)""");

    /// <summary>
    /// Fails when code in src/FastKv.Engine tests a command by its name: a switch on a spec's name, or a
    /// comparison of a name with a string that names a command (the keyspace event, routing, blocking form,
    /// MULTI role... belong on the row). The allow-list is empty: CommandTable's own lookup is by bytes.
    /// </summary>
    [Fact]
    public void NoEngineCodeRecognisesACommandByName()
    {
        string root = RepoRoot();
        HashSet<string> commands = CommandNames();
        var found = new List<string>();
        foreach (string file in SourceFiles(root, "src/FastKv.Engine"))
        {
            string rel = Path.GetRelativePath(root, file);
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i];
                if (line.TrimStart().StartsWith("//", StringComparison.Ordinal)) continue;
                if (NameSwitch.IsMatch(line)) found.Add($"{rel}:{i + 1}: {line.Trim()}");
                foreach (Match m in NameLiteral.Matches(line))
                {
                    string lit = m.Groups[3].Success ? m.Groups[3].Value : m.Groups[4].Value;
                    if (commands.Contains(lit)) found.Add($"{rel}:{i + 1}: {line.Trim()}");
                }
            }
        }
        Assert.True(found.Count == 0, "commands recognised by name (declare a property on the table row instead):\n" + string.Join("\n", found));
    }

    /// <summary>The scan above finds what it is meant to find (so an empty result means something).</summary>
    [Theory]
    [InlineData("        if (spec.Name == \"copy\")", true)]
    [InlineData("        bool otherDb = spec.Name is \"move\" or \"copy\";", true)]
    [InlineData("        switch (spec.Name)", true)]
    [InlineData("            c.Modified(key, NotifyClass.ZSet, c.Spec.Name switch", true)]
    [InlineData("                p.Kind = spec.Name[1] == 'z' ? BlockKind.ZPop : BlockKind.ListPop;", true)]
    [InlineData("        if (\"select\" == s.FullName) return;", true)]
    [InlineData("        if (err == null) p.Value = p.Name == \"client-output-buffer-limit\" ? a : b;", false)]
    [InlineData("        if (spec.WritesOtherDb) return;", false)]
    public void TheNameScanRecognisesNameTests(string line, bool isNameTest)
    {
        HashSet<string> commands = CommandNames();
        bool hit = NameSwitch.IsMatch(line) || NameLiteral.Matches(line).Any(m => commands.Contains(m.Groups[3].Success ? m.Groups[3].Value : m.Groups[4].Value));
        Assert.Equal(isNameTest, hit);
    }

    /// <summary>Every command COMMAND shows has Redis's facts and a one-sentence summary in our own words.</summary>
    [Fact]
    public void EveryCommandHasFactsAndItsOwnSummary()
    {
        var bad = new List<string>();
        foreach (CommandSpec s in Table.All)
        {
            Assert.NotNull(s.Fact);
            CommandFact f = s.Fact!;
            if (s.Arity != f.Arity || s.FirstKey != f.FirstKey || s.LastKey != f.LastKey || s.KeyStep != f.KeyStep)
                bad.Add(s.FullName + ": arity or key positions differ from Redis's facts");
            if ((s.Flags & f.Flags) != f.Flags) bad.Add(s.FullName + ": lost some of Redis's flags");
            string sum = s.Summary;
            if (sum.Length < 12 || sum.Length > 110 || !sum.EndsWith('.') || sum.Equals(s.FullName + " command", StringComparison.OrdinalIgnoreCase))
                bad.Add(s.FullName + ": summary '" + sum + "'");
        }
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    /// <summary>The blocking flag (Redis's) and the blocking form (ours) go together: the session parks by the form.</summary>
    [Fact]
    public void EveryBlockingCommandDeclaresItsForm()
    {
        var bad = Table.All.Where(s => ((s.Flags & CommandFlags.Blocking) != 0) != (s.Block != null))
            .Select(s => s.FullName).ToList();
        Assert.True(bad.Count == 0, "blocking flag without a form, or a form without the flag: " + string.Join(", ", bad));
        Assert.Equal(10, Table.All.Count(s => s.Block != null)); // BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP BZPOPMIN BZPOPMAX BZMPOP XREAD XREADGROUP
    }

    /// <summary>
    /// Fails listing every command (and subcommand) of the table that no test names: a test names GET as the
    /// string literal "get" (any case) or a RESP command text starting with it ("GET k"); CONFIG GET as
    /// "config", "get" or "CONFIG GET ...". Scans native-tests and the scripts beside them.
    /// </summary>
    [Fact]
    public void EveryCommandHasATestThatNamesIt()
    {
        string root = RepoRoot();
        string self = Path.GetFullPath(Path.Combine(root, "native-tests/FastKv.Engine.Tests/CommandTableDeclarationTests.cs"));
        var text = new System.Text.StringBuilder();
        foreach (string file in SourceFiles(root, "native-tests"))
            if (Path.GetFullPath(file) != self) text.Append(File.ReadAllText(file)).Append('\n');
        foreach (string file in Directory.EnumerateFiles(Path.Combine(root, "native-tests"), "*.py", SearchOption.AllDirectories))
            text.Append(File.ReadAllText(file)).Append('\n');
        string tests = text.ToString();
        var untested = new List<string>();
        foreach (CommandSpec s in Table.All)
        {
            string pattern = s.Parent == null
                ? "\"" + Regex.Escape(s.Name) + "[\" ]"
                : "\"" + Regex.Escape(s.Parent.Name) + "\"\\s*,\\s*\"" + Regex.Escape(s.Name) + "\"|\"" + Regex.Escape(s.Parent.Name) + " " + Regex.Escape(s.Name) + "[\" ]";
            if (!Regex.IsMatch(tests, pattern, RegexOptions.IgnoreCase)) untested.Add(s.FullName);
        }
        Assert.True(untested.Count == 0, "commands no test names: " + string.Join(", ", untested));
    }
}
