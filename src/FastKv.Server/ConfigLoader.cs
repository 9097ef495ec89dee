using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using FastKv.Engine;

namespace FastKv.Server;

/// <summary>
/// redis-server's startup syntax: <c>fastkv-server [config-file] [--name value ...]</c>. The file
/// and the options become one list of directives, applied in order; the first bad one stops
/// startup with its line named, as Redis does.
/// </summary>
internal static class ConfigLoader
{
    public static string? Load(ServerConfig config, string[] args, out string configFile)
    {
        configFile = "";
        var text = new StringBuilder();
        int i = 0;
        if (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
        {
            configFile = Path.GetFullPath(args[0]);
            if (!File.Exists(configFile)) return "Fatal error, can't open config file '" + args[0] + "'";
            text.Append(File.ReadAllText(configFile)).Append('\n');
            i = 1;
        }
        for (; i < args.Length; i++)
        {
            string a = args[i];
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                text.Append('\n').Append(a.AsSpan(2)).Append(' ');
            }
            else
            {
                text.Append(Quote(a)).Append(' ');
            }
        }
        string[] lines = text.ToString().Split('\n');
        // Redis's setConfigSaveOption while reading the configuration: the first "save" replaces the default, each
        // later one adds its points ("save" with "" empties the list).
        string? save = null;
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            List<string>? parts = Split(line);
            string? err;
            if (parts == null) err = "Unbalanced quotes in configuration line";
            else if (parts.Count < 2 && !(parts.Count == 1 && IsEmptyAllowed(parts[0]))) err = "Bad directive or wrong number of arguments";
            else
            {
                string name = parts[0].ToLowerInvariant();
                string value = string.Join(' ', parts.GetRange(1, parts.Count - 1));
                if (name == "save" && save != null && value.Length > 0) value = save.Length > 0 ? save + " " + value : value;
                if (name == "include") err = "include is not supported yet";
                else err = config.Set(name, value);
                if (name == "save" && err == null) save = value;
            }
            if (err != null)
                return "\n*** FATAL CONFIG FILE ERROR (FastKv " + ServerState.RedisVersion + ") ***\n" +
                       "Reading the configuration file, at line " + (n + 1) + "\n>>> '" + line + "'\n" + err;
        }
        return null;
    }

    static bool IsEmptyAllowed(string name) => name is "save" or "requirepass" or "notify-keyspace-events" or "logfile" or "pidfile";

    /// <summary>
    /// Like redis-server's sdscatrepr of an option value: always in double quotes, so an error shows
    /// the line as Redis does (<c>port "abc"</c>); Split reads the escapes back.
    /// </summary>
    static string Quote(string a) =>
        "\"" + a.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t") + "\"";

    static void AppendUtf8(List<byte> bytes, char ch)
    {
        Span<byte> tmp = stackalloc byte[4];
        int n = Encoding.UTF8.GetBytes([ch], tmp);
        for (int k = 0; k < n; k++) bytes.Add(tmp[k]);
    }

    /// <summary>Splits a line like Redis's sdssplitargs: spaces separate, "..." with escapes, '...'.</summary>
    static List<string>? Split(string line)
    {
        var parts = new List<string>();
        int i = 0;
        while (true)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            if (i >= line.Length) return parts;
            var sb = new StringBuilder();
            if (line[i] == '"')
            {
                i++;
                // "\xHH" is a byte (sdscatrepr writes every byte outside printable ASCII so, e.g. UTF-8 text, as CONFIG
                // REWRITE does): the bytes gather here and become text with the characters around them.
                var bytes = new List<byte>();
                while (true)
                {
                    if (i >= line.Length) return null;
                    char ch = line[i];
                    if (ch == '\\' && i + 3 < line.Length && line[i + 1] == 'x' && Uri.IsHexDigit(line[i + 2]) && Uri.IsHexDigit(line[i + 3]))
                    {
                        bytes.Add((byte)Convert.ToInt32(line.Substring(i + 2, 2), 16));
                        i += 4;
                        continue;
                    }
                    if (ch == '\\' && i + 1 < line.Length)
                    {
                        char e = line[i + 1];
                        AppendUtf8(bytes, e switch { 'n' => '\n', 'r' => '\r', 't' => '\t', 'a' => '\a', 'b' => '\b', _ => e });
                        i += 2;
                        continue;
                    }
                    if (ch == '"') { i++; break; }
                    AppendUtf8(bytes, ch);
                    i++;
                }
                sb.Append(Encoding.UTF8.GetString(bytes.ToArray()));
                if (i < line.Length && !char.IsWhiteSpace(line[i])) return null;
            }
            else if (line[i] == '\'')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length) return null;
                    if (line[i] == '\'') { i++; break; }
                    sb.Append(line[i++]);
                }
                if (i < line.Length && !char.IsWhiteSpace(line[i])) return null;
            }
            else
            {
                while (i < line.Length && !char.IsWhiteSpace(line[i])) sb.Append(line[i++]);
            }
            parts.Add(sb.ToString());
        }
    }
}
