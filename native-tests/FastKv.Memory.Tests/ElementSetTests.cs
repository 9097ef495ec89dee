using System;
using System.Collections.Generic;
using System.Text;
using FastKv.Memory;
using Xunit;

namespace FastKv.Memory.Tests;

/// <summary>ElementSet against a managed HashSet model: random elements, repeats, integers by their text, clears.</summary>
public class ElementSetTests
{
    [Fact]
    public void AgreesWithAHashSet_AcrossClearsAndGrowth()
    {
        var rng = new Random(5);
        var set = new ElementSet();
        for (int round = 0; round < 200; round++)
        {
            set.Clear();
            var model = new HashSet<string>(StringComparer.Ordinal);
            // Rounds alternate between a few elements and thousands, so small rounds follow grown tables.
            int n = round % 7 == 0 ? 5000 : rng.Next(0, 40);
            for (int i = 0; i < n; i++)
            {
                if (rng.Next(4) == 0)
                {
                    long v = rng.Next(-50, 50);
                    Assert.Equal(model.Add(v.ToString(System.Globalization.CultureInfo.InvariantCulture)), set.Add(v));
                    continue;
                }
                var bytes = new byte[rng.Next(0, 6)];
                for (int k = 0; k < bytes.Length; k++) bytes[k] = (byte)rng.Next(0, 4 + '0');
                Assert.Equal(model.Add(Encoding.Latin1.GetString(bytes)), set.Add(bytes));
            }
            Assert.Equal(model.Count, set.Count);
        }
    }

    [Fact]
    public void IntegerAndItsText_AreOneElement()
    {
        ElementSet set = ElementSet.ForThread();
        Assert.True(set.Add(-12));
        Assert.False(set.Add("-12"u8));
        Assert.True(set.Add("012"u8));
        Assert.True(set.Add(12));
        Assert.True(ElementSet.ForThread().Add(-12), "ForThread hands out an emptied set");
    }
}
