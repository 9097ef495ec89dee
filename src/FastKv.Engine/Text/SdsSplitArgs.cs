using System;
using System.Collections.Generic;
using System.Text;

namespace FastKv.Engine;

/// <summary>Redis's sdssplitargs over a line of text (AOF manifests, library shebangs).</summary>
public static class SdsSplitArgs
{
    /// <summary>sdssplitargs: blanks separate arguments; "double quotes" take \xHH and C escapes, 'single quotes' take \';
    /// a closing quote must be followed by a blank or the end. Null when the quotes do not balance.</summary>
    public static List<string>? Split(string line)
    {
        var args = new List<string>();
        int p = 0;
        while (true)
        {
            while (p < line.Length && IsSpace(line[p])) p++;
            if (p >= line.Length) return args;
            var cur = new StringBuilder();
            bool inq = false, insq = false, done = false;
            while (!done)
            {
                char c = p < line.Length ? line[p] : '\0';
                char n1 = p + 1 < line.Length ? line[p + 1] : '\0';
                if (inq)
                {
                    if (c == '\\' && n1 == 'x' && p + 3 < line.Length && IsHex(line[p + 2]) && IsHex(line[p + 3]))
                    {
                        cur.Append((char)(Convert.ToInt32(line.Substring(p + 2, 2), 16)));
                        p += 3;
                    }
                    else if (c == '\\' && n1 != '\0')
                    {
                        p++;
                        cur.Append(n1 switch { 'n' => '\n', 'r' => '\r', 't' => '\t', 'b' => '\b', 'a' => '\a', _ => n1 });
                    }
                    else if (c == '"')
                    {
                        if (n1 != '\0' && !IsSpace(n1)) return null;
                        done = true;
                    }
                    else if (c == '\0') return null;
                    else cur.Append(c);
                }
                else if (insq)
                {
                    if (c == '\\' && n1 == '\'')
                    {
                        p++;
                        cur.Append('\'');
                    }
                    else if (c == '\'')
                    {
                        if (n1 != '\0' && !IsSpace(n1)) return null;
                        done = true;
                    }
                    else if (c == '\0') return null;
                    else cur.Append(c);
                }
                else
                {
                    switch (c)
                    {
                        case ' ': case '\n': case '\r': case '\t': case '\0': done = true; break;
                        case '"': inq = true; break;
                        case '\'': insq = true; break;
                        default: cur.Append(c); break;
                    }
                }
                if (p < line.Length) p++;
            }
            args.Add(cur.ToString());
        }
    }

    static bool IsSpace(char c) => c == ' ' || (c >= '\t' && c <= '\r');

    static bool IsHex(char c) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
