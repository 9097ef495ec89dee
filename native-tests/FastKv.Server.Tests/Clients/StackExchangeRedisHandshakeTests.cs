using System;
using System.Text;
using System.Text.RegularExpressions;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Clients;

/// <summary>
/// What StackExchange.Redis 3.4 sends when it connects (seen with MONITOR on Redis 7.2.4, plus the admin
/// commands MONITOR hides, from the client's connect log), sent to the oracle and to the server under
/// test and compared byte for byte (through <see cref="IntendedDifferences"/>, which lets HELLO's version
/// and id differ). The client opens two connections:
/// <list type="bullet">
/// <item>interactive: HELLO 2|3, CLIENT SETNAME, CLIENT SETINFO lib-name and lib-ver, CLIENT ID,
/// INFO replication, INFO server, CONFIG GET databases and slave-read-only, CLUSTER SLOTS and NODES (it
/// takes the errors as "not a cluster"), GET __Booksleeve_TieBreak, ECHO of 16 random bytes as the
/// tracer; QUIT at the end;</item>
/// <item>subscription: the same CLIENT commands and ECHO, then SUBSCRIBE __Booksleeve_MasterChanged.</item>
/// </list>
/// Every reply is compared, CLUSTER SLOTS/NODES ("cluster support disabled") and CONFIG GET slave-read-only included.
/// </summary>
public class StackExchangeRedisHandshakeTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    private const string ClientName = "vm(SE.Redis-v3.4.35.20751)";

    // The tracer: 16 random bytes, not all of them text.
    private static readonly byte[] s_tracer = [0x7d, 0x8a, 0xb3, 0x46, 0x4c, 0x0a, 0x47, 0x46, 0xba, 0x29, 0x0a, 0x8b, 0x53, 0x68, 0xd4, 0xbf];

    private static byte[][] Command(params string[] args) => DualSession.Command(args);

    private DualSession Open(int threads)
    {
        ServerProcess oracle = servers.Oracle.Server;
        var session = new DualSession(oracle, servers.TargetWithThreads(threads).Server);
        // CLIENT SETINFO is new in Redis 7.2; an older oracle cannot judge this handshake.
        string info = Resp.AsString(session.Oracle.Call("INFO", "server"));
        if (!info.Contains("redis_version:7.2.", StringComparison.Ordinal))
        {
            session.Dispose();
            Assert.Skip($"the oracle ({oracle.Description}) is not Redis 7.2, which the client's handshake (CLIENT SETINFO) needs");
        }
        return session;
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(1, 3)]
    [InlineData(4, 2)]
    [InlineData(4, 3)]
    public void InteractiveConnection_AnsweredAsRedis(int threads, int protocol)
    {
        using DualSession s = Open(threads);
        s.Context = $"--threads {threads}, RESP{protocol}";
        string p = protocol.ToString(System.Globalization.CultureInfo.InvariantCulture);
        s.CheckPipeline([
            Command("HELLO", p),
            Command("CLIENT", "SETNAME", ClientName),
            Command("CLIENT", "SETINFO", "lib-name", "SE.Redis"),
            Command("CLIENT", "SETINFO", "lib-ver", "3.4.35.20751"),
        ]);
        Assert.StartsWith(":", Resp.AsString(s.Target.Call("CLIENT", "ID")));
        Assert.Equal(InfoFields(s.Oracle, "replication", "role"), InfoFields(s.Target, "replication", "role"));
        Assert.Equal(InfoFields(s.Oracle, "server", "redis_version", "redis_mode"), InfoFields(s.Target, "server", "redis_version", "redis_mode"));
        s.CheckPipeline([
            Command("CONFIG", "GET", "databases"),
            Command("CONFIG", "GET", "slave-read-only"),
            Command("CONFIG", "GET", "replica-read-only"),
            Command("CLUSTER", "SLOTS"),
            Command("CLUSTER", "NODES"),
            Command("GET", "__Booksleeve_TieBreak"),
            [Encoding.ASCII.GetBytes("ECHO"), s_tracer],
        ]);
        // What the server now lists for the connection: the name and library the client gave.
        string list = Resp.AsString(s.Target.Call("CLIENT", "INFO"));
        Assert.Contains($" name={ClientName} ", list);
        Assert.Contains(" lib-name=SE.Redis lib-ver=3.4.35.20751", list);
        Assert.Contains($" resp={p} ", list);
        s.Check("QUIT");
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(1, 3)]
    [InlineData(4, 2)]
    [InlineData(4, 3)]
    public void SubscriptionConnection_AnsweredAsRedis(int threads, int protocol)
    {
        using DualSession s = Open(threads);
        s.Context = $"--threads {threads}, RESP{protocol}";
        string p = protocol.ToString(System.Globalization.CultureInfo.InvariantCulture);
        s.CheckPipeline([
            Command("HELLO", p),
            Command("CLIENT", "SETNAME", ClientName),
            Command("CLIENT", "SETINFO", "lib-name", "SE.Redis"),
            Command("CLIENT", "SETINFO", "lib-ver", "3.4.35.20751"),
            [Encoding.ASCII.GetBytes("ECHO"), s_tracer],
            Command("SUBSCRIBE", "__Booksleeve_MasterChanged"),
        ]);
        // Subscribed: RESP2 allows only the subscriber commands, PING and QUIT; RESP3 allows everything.
        s.Check("PING");
        s.Check("QUIT");
    }

    /// <summary>The named fields of an INFO section, one "name:value" per line, in the given order.</summary>
    private static string InfoFields(RespConnection connection, string section, params string[] names)
    {
        string info = Resp.AsString(connection.Call("INFO", section));
        var sb = new StringBuilder();
        foreach (string name in names)
        {
            Match m = Regex.Match(info, "^" + Regex.Escape(name) + ":([^\r\n]*)", RegexOptions.Multiline);
            sb.Append(name).Append(':').Append(m.Success ? m.Groups[1].Value : "(missing)").Append('\n');
        }
        return sb.ToString();
    }
}
