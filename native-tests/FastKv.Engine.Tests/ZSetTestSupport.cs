using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// Shared by the sorted-set tests: one command, one expected raw reply. The expected replies of the
/// generated cases were produced by redis-server 7.0.15 on the same command sequence (fresh server,
/// default thresholds); 7.2-only behaviour is asserted separately and says so.
/// </summary>
internal static class ZSetTestSupport
{
    public static void Is(EngineHarness h, string expected, params string[] args) =>
        Assert.Equal(expected, h.Run(EngineHarness.Command(args)));
}
