using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Scripting;

/// <summary>
/// LuaApi stops Lua's collector around every C# callback by writing its threshold in Lua 5.1.5's global_State, once a
/// check on a real state has proven the layout, and falls back to lua_gc (a collection step after each callback)
/// otherwise. The server says at startup which way it took: this fails if a Lua package change loses the direct way.
/// </summary>
public class ScriptingLayoutTests
{
    [Fact]
    public void Startup_ProvesTheCollectorLayout()
    {
        using var server = ServerProcess.Start(ServerKind.Target, 2);
        server.WaitForOutput("Lua collector: ");
        Assert.Contains("Lua collector: stopped by its threshold (global_State layout proven)", server.Output);
        Assert.DoesNotContain("layout not proven", server.Output);
        // The shards' states, opened later, run scripts that allocate past collections with the proven layout.
        using var c = server.Connect();
        Assert.Equal(":20000\r\n", c.CallText("EVAL", "local t = {} for i = 1, 20000 do t[i] = {i} end collectgarbage() return #t", "0"));
        server.AssertAlive();
    }
}
