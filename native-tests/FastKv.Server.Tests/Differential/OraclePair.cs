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
    public string Same(params string[] cmd)
    {
        string o = Resp.AsString(Oracle.Call(cmd)), t = Resp.AsString(Target.Call(cmd));
        Assert.True(o == t, $"{string.Join(' ', cmd)}\n  redis: {Resp.Escape(Resp.Latin1.GetBytes(o))}\n  ours:  {Resp.Escape(Resp.Latin1.GetBytes(t))}");
        return t;
    }

    public void Dispose()
    {
        Oracle.Dispose();
        Target.Dispose();
    }
}
