using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace FastKv.Engine;

/// <summary>
/// Reading a manifest back, as Redis 7.2's aofLoadManifestFromFile does: lines of at most 1024 bytes read the way
/// fgets reads them, '#' comments skipped, each line split as sdssplitargs splits it (quotes and escapes), the keys
/// <c>file</c>, <c>seq</c>, <c>type</c> in any case and order (others ignored), and the same checks in the same order,
/// so a directory Redis refuses is refused here with Redis's words.
/// </summary>
public sealed partial class AofManifest
{
    const int MaxLine = 1024;

    /// <summary>
    /// Reads <c>dirPath/&lt;appendfilename&gt;.manifest</c>. Null with a null error when the directory or the manifest
    /// does not exist (Redis then starts with an empty manifest, or upgrades an old AOF); null with Redis's log lines in
    /// <paramref name="error"/> when it cannot be used (the server exits 1).
    /// </summary>
    public static AofManifest? Load(string dirPath, string appendFilename, out string? error)
    {
        error = null;
        if (!Directory.Exists(dirPath)) return null;
        string path = Path.Combine(dirPath, ManifestName(appendFilename));
        if (!File.Exists(path)) return null;
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = "Fatal error: can't open the AOF manifest file " + path + " for reading: " + OsError.Text(ex);
            return null;
        }
        return Parse(bytes, out error);
    }

    /// <summary>Parses a manifest's bytes; null with Redis's log lines in <paramref name="error"/> when Redis refuses it.</summary>
    public static AofManifest? Parse(ReadOnlySpan<byte> text, out string? error)
    {
        var am = new AofManifest();
        long maxSeq = 0;
        int lineNo = 0, pos = 0;
        string? line = null;
        string? err = null;
        while (true)
        {
            // fgets: up to 1024 bytes, stopping after a newline.
            if (pos >= text.Length)
            {
                if (lineNo == 0) err = "Found an empty AOF manifest";
                break;
            }
            int take = Math.Min(MaxLine, text.Length - pos);
            int nl = text.Slice(pos, take).IndexOf((byte)'\n');
            ReadOnlySpan<byte> chunk = text.Slice(pos, nl >= 0 ? nl + 1 : take);
            pos += chunk.Length;
            // A NUL ends the C string fgets filled.
            int nul = chunk.IndexOf((byte)0);
            ReadOnlySpan<byte> cstr = nul >= 0 ? chunk.Slice(0, nul) : chunk;
            lineNo++;
            if (cstr.Length > 0 && cstr[0] == '#') continue;
            if (cstr.IndexOf((byte)'\n') < 0)
            {
                err = "The AOF manifest file contains too long line";
                break;
            }
            line = Encoding.Latin1.GetString(cstr).Trim(' ', '\t', '\r', '\n');
            if (line.Length == 0)
            {
                err = "Invalid AOF manifest file format";
                break;
            }
            List<string>? argv = SdsSplitArgs.Split(line);
            if (argv == null || argv.Count < 6 || argv.Count % 2 != 0)
            {
                err = "Invalid AOF manifest file format";
                break;
            }
            string? name = null;
            long seq = 0;
            char type = '\0';
            for (int i = 0; i < argv.Count; i += 2)
            {
                string k = argv[i], v = argv[i + 1];
                if (k.Equals("file", StringComparison.OrdinalIgnoreCase))
                {
                    name = v;
                    if (v.Contains('/') || v.Contains('\\')) { err = "File can't be a path, just a filename"; break; }
                }
                else if (k.Equals("seq", StringComparison.OrdinalIgnoreCase)) seq = Atoll(v);
                else if (k.Equals("type", StringComparison.OrdinalIgnoreCase)) type = v.Length == 0 ? '\0' : v[0];
            }
            if (err != null) break;
            if (name == null || seq == 0 || type == '\0')
            {
                err = "Invalid AOF manifest file format";
                break;
            }
            switch (type)
            {
                case 'b':
                    if (am.Base != null) err = "Found duplicate base file information";
                    else
                    {
                        am.Base = new AofFileInfo(name, seq, AofFileType.Base);
                        am.BaseSeq = seq;
                    }
                    break;
                case 'h':
                    am.History.Add(new AofFileInfo(name, seq, AofFileType.History));
                    break;
                case 'i':
                    if (seq <= maxSeq) err = "Found a non-monotonic sequence number";
                    else
                    {
                        am.Incrs.Add(new AofFileInfo(name, seq, AofFileType.Incr));
                        am.IncrSeq = maxSeq = seq;
                    }
                    break;
                default:
                    err = "Unknown AOF file type";
                    break;
            }
            if (err != null) break;
            line = null;
        }
        if (err == null)
        {
            error = null;
            return am;
        }
        var sb = new StringBuilder("*** FATAL AOF MANIFEST FILE ERROR ***\n");
        if (line != null) sb.Append("Reading the manifest file, at line ").Append(lineNo).Append('\n').Append(">>> '").Append(line).Append("'\n");
        error = sb.Append(err).ToString();
        return null;
    }

    /// <summary>atoll: optional blanks and sign, then digits up to the first other character (saturating).</summary>
    /// <summary>C's atoll, as Redis reads the seq number (the manifest's text is Latin-1).</summary>
    static long Atoll(string s) => AofLoader.Atoi(System.Text.Encoding.Latin1.GetBytes(s));
}
