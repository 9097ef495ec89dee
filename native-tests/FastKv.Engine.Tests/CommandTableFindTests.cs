using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Engine;
using Xunit;

namespace FastKv.Engine.Tests;

/// <summary>
/// CommandTable.Find looks names of up to 16 bytes up packed into two words, lowercased eight bytes at a time; longer
/// ones in the table of strings. Checked against a plain model (ASCII A-Z folded, byte for byte) over every command
/// name in random case, with bytes appended, removed or changed, NULs, non-ASCII and lengths 0 to 24.
/// </summary>
public class CommandTableFindTests
{
    static readonly CommandTable Table = CommandTable.CreateDefault();

    static CommandSpec? Model(byte[] name)
    {
        foreach (CommandSpec s in Table.All)
        {
            if (s.Parent != null || s.Name.Length != name.Length) continue;
            bool eq = true;
            for (int i = 0; i < name.Length && eq; i++)
            {
                int c = name[i];
                if (c >= 'A' && c <= 'Z') c |= 0x20;
                eq = c == s.Name[i];
            }
            if (eq) return s;
        }
        return null;
    }

    [Fact]
    public void EveryName_InAnyCase_IsFound()
    {
        var rng = new Random(5);
        int names = 0;
        foreach (CommandSpec s in Table.All)
        {
            if (s.Parent != null) continue;
            names++;
            for (int t = 0; t < 8; t++)
            {
                var b = Encoding.ASCII.GetBytes(s.Name);
                for (int i = 0; i < b.Length; i++)
                    if (rng.Next(2) == 0) b[i] = (byte)char.ToUpperInvariant((char)b[i]);
                Assert.Same(s, Table.Find(b));
            }
        }
        Assert.True(names > 200, "the table holds " + names + " commands");
        Assert.NotNull(Table.Find("GEORADIUSBYMEMBER_RO"u8)); // 20 bytes: the string table
        Assert.NotNull(Table.Find("zremrangebyscore"u8)); // 16 bytes: the last packed length
    }

    [Fact]
    public void MutatedNames_AgreeWithTheModel()
    {
        var rng = new Random(6);
        var names = new List<byte[]>();
        foreach (CommandSpec s in Table.All) if (s.Parent == null) names.Add(Encoding.ASCII.GetBytes(s.Name));
        byte[] alphabet = Encoding.ASCII.GetBytes("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_|-@[`{0 ");
        int found = 0;
        for (int t = 0; t < 200_000; t++)
        {
            var b = new List<byte>(names[rng.Next(names.Count)]);
            switch (rng.Next(7))
            {
                case 0: b.Add(alphabet[rng.Next(alphabet.Length)]); break;
                case 1: if (b.Count > 0) b.RemoveAt(rng.Next(b.Count)); break;
                case 2: if (b.Count > 0) b[rng.Next(b.Count)] = alphabet[rng.Next(alphabet.Length)]; break;
                case 3: b.Add(0); break;
                case 4: if (b.Count > 0) b[rng.Next(b.Count)] = (byte)rng.Next(0x80, 0x100); break;
                case 5:
                    b.Clear();
                    for (int i = rng.Next(25); i > 0; i--) b.Add((byte)rng.Next(256));
                    break;
                default: if (b.Count > 0) b[rng.Next(b.Count)] ^= 0x20; break; // case flip, or '@' <-> '`' and '[' <-> '{'
            }
            byte[] name = b.ToArray();
            CommandSpec? want = Model(name);
            Assert.Same(want, Table.Find(name));
            if (want != null) found++;
        }
        Assert.True(found > 10_000, "mutations that still name a command: " + found);
        Assert.Null(Table.Find(ReadOnlySpan<byte>.Empty));
    }
}
