using System;
using System.Collections.Generic;
using System.Text;

namespace FastKv.Engine;

/// <summary>
/// The ASCII sparkline LATENCY GRAPH draws (the aspark renderer Redis carries, filled style): each sample is a column
/// <c>rows</c> characters tall whose height is its value's place between the smallest and the largest sample, at
/// three steps per row ("_", "o", "#", with "|" below a column's top); then, when any sample has a label, one blank
/// line and the labels written downwards, one character per line. Samples beyond <c>columns</c> start a new block
/// after an empty line.
/// </summary>
public static class Sparkline
{
    const string Steps = "_o#";

    public static void Render(StringBuilder output, IReadOnlyList<(double Value, string? Label)> samples, int columns, int rows)
    {
        if (samples.Count == 0) return;
        double min = samples[0].Value, max = samples[0].Value;
        bool labels = false;
        foreach (var (value, label) in samples)
        {
            min = Math.Min(min, value);
            max = Math.Max(max, value);
            labels |= !string.IsNullOrEmpty(label);
        }
        for (int first = 0; first < samples.Count; first += columns)
        {
            if (first != 0) output.Append('\n');
            RenderBlock(output, samples, first, Math.Min(columns, samples.Count - first), rows, min, max, labels);
        }
    }

    static void RenderBlock(StringBuilder output, IReadOnlyList<(double Value, string? Label)> samples, int first, int count,
        int rows, double min, double max, bool labels)
    {
        double range = max - min;
        if (range == 0) range = 1;
        int steps = Steps.Length * rows;
        var line = new char[count];
        for (int row = 0; ; row++)
        {
            bool more = false;
            Array.Fill(line, ' ');
            for (int j = 0; j < count; j++)
            {
                var (value, label) = samples[first + j];
                // The height in steps: the integer part of (value - min) * steps, divided by the range, truncated
                // (the C renderer's (int) binds to the product only).
                int step = (int)((int)((value - min) * steps) / range);
                step = Math.Clamp(step, 0, steps - 1);
                if (row < rows)
                {
                    more = true;
                    int level = step - (rows - row - 1) * Steps.Length;
                    if (level >= 0 && level < Steps.Length) line[j] = Steps[level];
                    else if (level >= Steps.Length) line[j] = '|';
                    continue;
                }
                // One blank line between the graph and the labels.
                if (labels && row - rows < 1)
                {
                    more = true;
                    break;
                }
                int at = row - rows - 1;
                if (!string.IsNullOrEmpty(label) && label.Length > at)
                {
                    more = true;
                    line[j] = label[at];
                }
            }
            if (!more) return;
            output.Append(line).Append('\n');
        }
    }
}
