using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.JobQueues;

/// <summary>
/// One of the job-queue programs in native-tests/jobqueues (a node program per npm library, a python one each
/// for Celery and RQ, a PHP one for Symfony Messenger). <see cref="Package"/> is the npm package, for python
/// the module (from the Debian package python3-<i>module</i>), for PHP the Debian package. Each enqueues the same plan of jobs (lib/plan.js: plain, delayed, failing once), processes them
/// with the library's worker and prints one line "SUMMARY {json}" at the end. A program whose runtime or
/// libraries are missing skips the calling test and says how to install them (scripts/jobqueue-deps).
/// </summary>
public sealed record JobQueueProgram(string Library, string Runtime, string Script, string Package)
{
    public static readonly JobQueueProgram BullMq = new("bullmq", "node", "bullmq.js", "bullmq");
    public static readonly JobQueueProgram Bull = new("bull", "node", "bull.js", "bull");
    public static readonly JobQueueProgram BeeQueue = new("bee-queue", "node", "beequeue.js", "bee-queue");
    public static readonly JobQueueProgram NodeResque = new("node-resque", "node", "resque.js", "node-resque");
    public static readonly JobQueueProgram Celery = new("celery", ToolCheck.SystemPython, "celery_e2e.py", "celery");
    public static readonly JobQueueProgram Rq = new("rq", ToolCheck.SystemPython, "rq_e2e.py", "rq");
    public static readonly JobQueueProgram Symfony = new("symfony-messenger", "php", "symfony_e2e.php", "php-symfony-redis-messenger");

    public static JobQueueProgram ByName(string library) => library switch
    {
        "bullmq" => BullMq,
        "bull" => Bull,
        "bee-queue" => BeeQueue,
        "node-resque" => NodeResque,
        "celery" => Celery,
        "rq" => Rq,
        "symfony-messenger" => Symfony,
        _ => throw new ArgumentOutOfRangeException(nameof(library), library, null),
    };

    /// <summary>How long a program may wait for its jobs (it then prints what it has), and how long it may run in all.</summary>
    private const int JobsTimeoutMs = 60_000;
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromSeconds(150);

    /// <summary>Runs the program against <paramref name="port"/>; <paramref name="prefix"/> replaces the library's key prefix.</summary>
    public JobQueueRun Run(int port, string? prefix)
    {
        string dir = RequireFolder();
        string runtime = RequireRuntime(dir);
        var args = new List<string> { Path.Combine(dir, Script), "--port", port.ToString(CultureInfo.InvariantCulture),
            "--timeout-ms", JobsTimeoutMs.ToString(CultureInfo.InvariantCulture) };
        if (prefix is not null)
            args.AddRange(["--prefix", prefix]);
        var result = ProcessRunner.Run(runtime, args.ToArray(), (string?)null, s_runTimeout);
        return new JobQueueRun(this, result, Parse(result.StdOut));
    }

    private static string RequireFolder()
    {
        string? root = ServerLocator.FindSolutionRoot();
        if (root is null)
            Assert.Skip("FastKv.sln was not found above " + AppContext.BaseDirectory + ", so neither was native-tests/jobqueues");
        return Path.Combine(root, "native-tests", "jobqueues");
    }

    private string RequireRuntime(string dir)
    {
        if (Runtime == ToolCheck.SystemPython)
        {
            ToolCheck.RequirePythonModule(Package, "python3-" + Package);
            return Runtime;
        }
        if (Runtime == "php")
            return RequirePhp();
        string node = ToolCheck.Require("node", "nodejs");
        if (!File.Exists(Path.Combine(dir, "node_modules", Package, "package.json")))
            Assert.Skip($"the npm package '{Package}' is not installed in native-tests/jobqueues; run scripts/jobqueue-deps (npm ci there)");
        return node;
    }

    /// <summary>Where Debian's php-symfony-redis-messenger puts its autoloader (symfony_e2e.php requires it).</summary>
    private const string SymfonyRedisAutoload = "/usr/share/php/Symfony/Component/Messenger/Bridge/Redis/autoload.php";

    private string RequirePhp()
    {
        string php = ToolCheck.Require("php", "php-cli");
        if (!File.Exists(SymfonyRedisAutoload))
            Assert.Skip($"{SymfonyRedisAutoload} is missing; install the Debian package '{Package}' (scripts/jobqueue-deps)");
        var probe = ProcessRunner.Run(php, ["-r", "exit(extension_loaded('redis') ? 0 : 1);"], (string?)null, TimeSpan.FromSeconds(20));
        if (probe.ExitCode != 0)
            Assert.Skip("php has no 'redis' extension; install the Debian package 'php-redis' (scripts/jobqueue-deps)");
        return php;
    }

    private static JobQueueSummary? Parse(string stdout)
    {
        int at = stdout.LastIndexOf("\nSUMMARY ", StringComparison.Ordinal);
        if (at < 0)
            return null;
        int end = stdout.IndexOf('\n', at + 1);
        string json = stdout[(at + "\nSUMMARY ".Length)..(end < 0 ? stdout.Length : end)];
        return JsonSerializer.Deserialize(json, JobQueueJson.Default.JobQueueSummary);
    }
}

/// <summary>What a program printed: the SUMMARY line's fields (see native-tests/jobqueues/lib/plan.js).</summary>
public sealed class JobQueueSummary
{
    public string Library { get; set; } = "";
    public int Jobs { get; set; }
    public int ExactlyOnce { get; set; }
    public List<string> Missing { get; set; } = [];
    public List<string> Duplicates { get; set; } = [];
    public int Delayed { get; set; }
    public List<string> DelayedEarly { get; set; } = [];
    public int FailOnce { get; set; }
    public int Retried { get; set; }
    public List<string> UnexpectedRetries { get; set; } = [];
    public List<string> Errors { get; set; } = [];
    /// <summary>The jobs the library's own bookkeeping counts as completed (its job counts, stats or result states).</summary>
    public int? StoreCompleted { get; set; }
    public JsonElement Store { get; set; }
    /// <summary>An error that stopped the program before its jobs could be tallied.</summary>
    public string? Fatal { get; set; }
    public bool Aborted { get; set; }
}

/// <summary>The SUMMARY line's reader, generated at build time (the test project is checked for trimming and AOT).</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(JobQueueSummary))]
internal sealed partial class JobQueueJson : JsonSerializerContext;

/// <summary>A finished program run: its exit, its output and the summary parsed from it (null when it printed none).</summary>
public sealed record JobQueueRun(JobQueueProgram Program, ProcessRunner.Result Process, JobQueueSummary? Summary)
{
    /// <summary>The fatal error and the errors the program saw, for matching a known gap and for messages.</summary>
    public string ErrorText => Summary is null ? Process.StdErr : (Summary.Fatal ?? "") + "\n" + string.Join("\n", Summary.Errors);

    /// <summary>Null when every job ran exactly once, retries and delays as planned; otherwise what went wrong.</summary>
    public string? Problem()
    {
        JobQueueSummary? s = Summary;
        if (s is null)
            return "the program printed no SUMMARY line";
        var problems = new List<string>();
        if (s.Fatal is not null)
            problems.Add("fatal: " + s.Fatal);
        if (s.Aborted)
            problems.Add("aborted by an unhandled rejection");
        if (s.Errors.Count > 0)
            problems.Add("errors: " + string.Join(" | ", s.Errors));
        if (s.Fatal is null)
        {
            if (s.Jobs < 100)
                problems.Add($"only {s.Jobs} jobs planned");
            if (s.ExactlyOnce != s.Jobs)
                problems.Add($"{s.ExactlyOnce} of {s.Jobs} jobs completed exactly once");
            if (s.Missing.Count > 0)
                problems.Add($"{s.Missing.Count} never completed: {Sample(s.Missing)}");
            if (s.Duplicates.Count > 0)
                problems.Add($"{s.Duplicates.Count} completed more than once: {Sample(s.Duplicates)}");
            if (s.Delayed == 0 || s.FailOnce == 0)
                problems.Add("the plan has no delayed or no failing jobs");
            if (s.DelayedEarly.Count > 0)
                problems.Add($"{s.DelayedEarly.Count} delayed jobs ran before their delay: {Sample(s.DelayedEarly)}");
            if (s.Retried != s.FailOnce)
                problems.Add($"{s.Retried} of {s.FailOnce} failing jobs were retried once and then completed");
            if (s.UnexpectedRetries.Count > 0)
                problems.Add($"jobs that never failed were attempted again: {Sample(s.UnexpectedRetries)}");
            if (s.StoreCompleted != s.Jobs)
                problems.Add($"the library's own counts say {s.StoreCompleted?.ToString(CultureInfo.InvariantCulture) ?? "nothing"} completed: {s.Store}");
        }
        return problems.Count == 0 ? null : string.Join("\n", problems);
    }

    private static string Sample(List<string> items) =>
        string.Join(", ", items.GetRange(0, Math.Min(10, items.Count))) + (items.Count > 10 ? ", ..." : "");

    public string Describe() => $"{Program.Library}: {Process}";
}
