using System;
using System.IO;
using System.Linq;
using FastKv.Server.Tests.Atomicity;
using FastKv.Server.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace FastKv.Server.Tests.Clients;

/// <summary>
/// Connecting StackExchange.Redis to a test server, and the keys its tests use. Shared by the
/// StackExchangeRedis* test classes.
/// </summary>
internal static class SeRedis
{
    /// <summary>The two protocols every StackExchange.Redis test runs with.</summary>
    public static TheoryData<int> Protocols => new() { 2, 3 };

    /// <summary>
    /// A multiplexer on <paramref name="server"/> speaking RESP<paramref name="protocol"/>. The client's
    /// connect log is kept: a failed handshake throws with it, so the message names the handshake
    /// command the server answered badly.
    /// </summary>
    public static ConnectionMultiplexer Connect(ServerProcess server, int protocol)
    {
        var options = new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", server.Port } },
            Protocol = protocol == 3 ? RedisProtocol.Resp3 : RedisProtocol.Resp2,
            // For CLIENT LIST, CONFIG and the like, which the client otherwise refuses to send.
            AllowAdmin = true,
            // Generous: the machine is shared and loaded; these are not latency checks.
            ConnectTimeout = 20_000,
            SyncTimeout = 20_000,
            AsyncTimeout = 20_000,
        };
        var log = new StringWriter();
        ConnectionMultiplexer mux;
        try
        {
            mux = ConnectionMultiplexer.Connect(options, log);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"StackExchange.Redis could not connect to {server.Description}:\n{log}", e);
        }
        if (!mux.IsConnected)
        {
            mux.Dispose();
            throw new InvalidOperationException($"StackExchange.Redis is not connected to {server.Description}:\n{log}");
        }
        return mux;
    }

    /// <summary>
    /// <paramref name="count"/> fresh keys named for the test and protocol, spread over all four shards
    /// of a --threads 4 server, deleted first so a test can be rerun against the same server.
    /// </summary>
    public static RedisKey[] Keys(IDatabase db, string test, int protocol, int count)
    {
        RedisKey[] keys = MultiKeyAtomicityTests.SpreadKeys($"se:{test}:{protocol}:", count)
            .Select(k => (RedisKey)k).ToArray();
        db.KeyDelete(keys);
        return keys;
    }
}
