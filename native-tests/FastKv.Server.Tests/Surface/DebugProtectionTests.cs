using System.Collections.Generic;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Surface;

/// <summary>
/// DEBUG is a protected command, as in Redis 7: with enable-debug-command no (the default) it is refused with Redis's
/// error before authentication, queued in MULTI as a rejection that aborts the EXEC, and with "local" allowed from a
/// loopback connection. Each server starts with the setting under test (it is immutable); replies are compared byte
/// for byte with Redis 7.2.4.
/// </summary>
public class DebugProtectionTests
{
    static List<string> Conversation(ServerKind kind, int threads, string setting)
    {
        using ServerProcess server = ServerProcess.Start(kind, kind == ServerKind.Target ? threads : null,
            "--enable-debug-command", setting, "--requirepass", "pw");
        using RespConnection c = server.Connect();
        var replies = new List<string>
        {
            c.CallText("DEBUG", "SLEEP", "0"),          // before AUTH: the protection answers first
            c.CallText("AUTH", "pw"),
            c.CallText("CONFIG", "GET", "enable-debug-command"),
            c.CallText("DEBUG", "SLEEP", "0"),
            c.CallText("DEBUG", "NOSUCH"),
            c.CallText("MULTI"),
            c.CallText("DEBUG", "SLEEP", "0"),
            c.CallText("SET", "k", "v"),
            c.CallText("EXEC"),
            c.CallText("GET", "k"),
        };
        return replies;
    }

    [Theory]
    [InlineData("no", 4)]
    [InlineData("no", 1)]
    [InlineData("local", 4)]
    [InlineData("yes", 1)]
    public void Debug_IsRefusedOrAllowed_AsRedisDoes(string setting, int threads)
    {
        List<string> expected = Conversation(ServerKind.Redis, threads, setting);
        if (setting == "no") Assert.StartsWith("-ERR DEBUG command not allowed.", expected[3]);
        else Assert.Equal("+OK\r\n", expected[3]);
        Assert.Equal(expected, Conversation(ServerKind.Target, threads, setting));
    }
}
