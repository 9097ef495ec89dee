using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using FastKv.Server.Tests.Differential;
using FastKv.Server.Tests.Infrastructure;
using FastKv.Tests.Rdb;
using Xunit;

namespace FastKv.Server.Tests.Persistence;

/// <summary>
/// Values Redis itself wrote in old encodings: each of Redis's RDB fixtures (zipmap, ziplist hashes and sorted sets,
/// quicklists of ziplists, every encoding of 2.x-7.x) is loaded by Redis 7.2.4 at startup, while its records, cut
/// out test-side, go to FastKv as RESTORE payloads (type and value bytes with a DUMP footer). Every key must then
/// read the same on both: type, OBJECT ENCODING, expiry, value. Empty keys: Redis skips them, RESTORE refuses them.
/// </summary>
public class RestoreFixtureDifferentialTests(OracleAndTargetsFixture servers) : IClassFixture<OracleAndTargetsFixture>
{
    public static IEnumerable<TheoryDataRow<string, int>> Cases()
    {
        foreach (string f in new[] { "encodings.rdb", "hash-zipmap.rdb", "hash-ziplist.rdb", "list-quicklist.rdb", "zset-ziplist.rdb", "corrupt_empty_keys.rdb" })
            foreach (int threads in new[] { 1, 4 })
                yield return new(f, threads);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FixtureKeys_RestoreAsRedisLoadsThem(string fixture, int threads)
    {
        string fixtures = Path.Combine(Path.GetDirectoryName(ServerLocator.RequireOracle())!, "fixtures");
        if (!File.Exists(Path.Combine(fixtures, fixture))) Assert.Skip("Redis's fixture " + fixture + " is not beside the oracle");
        string dir = Directory.CreateTempSubdirectory("fastkv-fixture-").FullName;
        try
        {
            File.Copy(Path.Combine(fixtures, fixture), Path.Combine(dir, fixture));
            // The empty-keys fixture loads only without deep sanitizing (Redis's own test sets it so).
            using ServerProcess loaded = ServerProcess.Start(ServerKind.Redis, null, "--dir", dir, "--dbfilename", fixture, "--sanitize-dump-payload", "no");
            using RespConnection oracle = loaded.Connect();
            ServerProcess target = servers.TargetWithThreads(threads).Server;
            using RespConnection c = target.Connect();
            Assert.Equal("+OK\r\n", c.CallText("FLUSHALL"));

            List<RdbRecord> records = RdbFileRecords.Read(File.ReadAllBytes(Path.Combine(dir, fixture)), RdbFileRecords.WalkValue, out int version);
            Assert.NotEmpty(records);
            foreach (RdbRecord r in records)
            {
                Assert.Equal("+OK\r\n", c.CallText("SELECT", r.Db.ToString()));
                byte[] payload = RdbBytes.WithFooter(new byte[] { r.Type }.Concat(r.Value).ToArray(), (ushort)version);
                var args = new List<byte[]> { Encoding.ASCII.GetBytes("RESTORE"), r.Key, Encoding.ASCII.GetBytes(r.ExpireAtMs > 0 ? r.ExpireAtMs.ToString() : "0"), payload };
                if (r.ExpireAtMs > 0) args.Add(Encoding.ASCII.GetBytes("ABSTTL"));
                string reply = Resp.AsString(c.Call(args.ToArray()));
                if (fixture == "corrupt_empty_keys.rdb") Assert.Equal("-ERR Bad data format\r\n", reply);
                else Assert.Equal("+OK\r\n", reply);
            }
            foreach (int db in records.Select(r => r.Db).Distinct())
            {
                oracle.CallText("SELECT", db.ToString());
                c.CallText("SELECT", db.ToString());
                var keys = Resp.Parse(oracle.Call("KEYS", "*")).Items!.Select(k => k.Text!).Order(StringComparer.Ordinal).ToList();
                Assert.Equal(keys, Resp.Parse(c.Call("KEYS", "*")).Items!.Select(k => k.Text!).Order(StringComparer.Ordinal).ToList());
                foreach (string key in keys)
                    Assert.Equal(RestoreShapes.Describe(oracle, key), RestoreShapes.Describe(c, key));
            }
            Assert.Equal("+OK\r\n", c.CallText("FLUSHALL"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
