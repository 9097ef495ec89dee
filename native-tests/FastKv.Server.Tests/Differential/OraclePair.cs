using System;
using FastKv.Server.Tests.Infrastructure;
using Xunit;

namespace FastKv.Server.Tests.Differential;

/// <summary>One connection to Redis 7.2.4 and one to FastKv, for tests that send each command to both and compare replies.</summary>
public sealed class OraclePair(ServerProcess oracle, ServerProcess target) : IDisposable
{
    public readonly RespConnection Oracle = oracle.Connect();
    public readonly RespConnection Target = target.Connect();

    /// <summary>Sends the command to both; the replies must be the same bytes. Returns ours.</summary>
    public string Same(params string[] cmd) => Same(s => s, cmd);

    /// <summary>Sends the command to both; the replies, passed through <paramref name="mask"/>, must be equal. Returns ours, masked.</summary>
    public string Same(Func<string, string> mask, params string[] cmd)
    {
        string o = mask(Resp.AsString(Oracle.Call(cmd))), t = mask(Resp.AsString(Target.Call(cmd)));
        Assert.True(o == t, $"{string.Join(' ', cmd)}\n  redis: {Resp.Escape(Resp.Latin1.GetBytes(o))}\n  ours:  {Resp.Escape(Resp.Latin1.GetBytes(t))}");
        return t;
    }

    /// <summary>The command on both, replies not compared (setup).</summary>
    public void Both(params string[] cmd)
    {
        Oracle.Call(cmd);
        Target.Call(cmd);
    }

    public void Dispose()
    {
        Oracle.Dispose();
        Target.Dispose();
    }
}
