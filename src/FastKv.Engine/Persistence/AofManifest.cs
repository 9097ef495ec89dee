using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace FastKv.Engine;

/// <summary>The kind of a file a Redis 7 AOF manifest names: the base, a history file, an incremental file.</summary>
public enum AofFileType : byte
{
    Base = (byte)'b',
    History = (byte)'h',
    Incr = (byte)'i',
}

/// <summary>One line of the manifest: <c>file &lt;name&gt; seq &lt;n&gt; type b|h|i</c>.</summary>
public sealed record AofFileInfo(string Name, long Seq, AofFileType Type);

/// <summary>
/// Redis 7's multi-part AOF manifest (<c>&lt;appendfilename&gt;.manifest</c> in <c>appenddirname</c>): at most one base,
/// the incremental files in order, and history files a rewrite left to delete (persistence design 3). The text is
/// Redis's, so either server opens the other's directory.
/// </summary>
public sealed partial class AofManifest
{
    /// <summary>The base file (RDB or AOF form), if any.</summary>
    public AofFileInfo? Base;
    /// <summary>Incremental files, oldest first; the last is the one being appended to.</summary>
    public readonly List<AofFileInfo> Incrs = new();
    /// <summary>Files a rewrite replaced, deleted once the new manifest is on disk.</summary>
    public readonly List<AofFileInfo> History = new();
    /// <summary>Highest sequence numbers used so far (Redis's curr_base_file_seq, curr_incr_file_seq).</summary>
    public long BaseSeq, IncrSeq;

    public static string ManifestName(string appendFilename) => appendFilename + ".manifest";
    public static string TempManifestName(string appendFilename) => "temp-" + appendFilename + ".manifest";
    public static string BaseName(string appendFilename, long seq, bool rdbPreamble) =>
        appendFilename + "." + seq + ".base" + (rdbPreamble ? ".rdb" : ".aof");
    public static string IncrName(string appendFilename, long seq) => appendFilename + "." + seq + ".incr.aof";

    /// <summary>Whether the directory holds a manifest.</summary>
    public static bool Exists(string dirPath, string appendFilename) => File.Exists(Path.Combine(dirPath, ManifestName(appendFilename)));

    /// <summary>The incremental file appended to now.</summary>
    public AofFileInfo? LastIncr => Incrs.Count == 0 ? null : Incrs[Incrs.Count - 1];

    /// <summary>Adds a new incremental file with the next sequence number (Redis's getNewIncrAofName).</summary>
    public AofFileInfo AddIncr(string appendFilename)
    {
        var f = new AofFileInfo(IncrName(appendFilename, ++IncrSeq), IncrSeq, AofFileType.Incr);
        Incrs.Add(f);
        return f;
    }

    /// <summary>Sets a new base with the next sequence number; the old base becomes history (getNewBaseFileNameAndMarkPreAsHistory).</summary>
    public AofFileInfo NewBase(string appendFilename, bool rdbPreamble)
    {
        if (Base != null) History.Add(Base with { Type = AofFileType.History });
        Base = new AofFileInfo(BaseName(appendFilename, ++BaseSeq, rdbPreamble), BaseSeq, AofFileType.Base);
        return Base;
    }

    /// <summary>The manifest's text: the base first, then history, then incrementals, as Redis's getAofManifestAsString.</summary>
    public string Format()
    {
        var sb = new StringBuilder();
        if (Base != null) Line(sb, Base);
        foreach (AofFileInfo h in History) Line(sb, h);
        foreach (AofFileInfo i in Incrs) Line(sb, i);
        return sb.ToString();
    }

    static void Line(StringBuilder sb, AofFileInfo f) =>
        sb.Append("file ").Append(Quote(f.Name)).Append(" seq ").Append(f.Seq).Append(" type ").Append((char)(byte)f.Type).Append('\n');

    /// <summary>A name with spaces or unprintable bytes goes out quoted, as Redis's sdscatrepr writes it.</summary>
    static string Quote(string name)
    {
        bool plain = name.Length > 0;
        foreach (char ch in name)
            if (ch <= ' ' || ch > '~' || ch == '"' || ch == '\\') { plain = false; break; }
        if (plain) return name;
        var sb = new StringBuilder("\"");
        foreach (char ch in name)
        {
            switch (ch)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                default:
                    if (ch >= ' ' && ch <= '~') sb.Append(ch);
                    else sb.Append("\\x").Append(((int)ch).ToString("x2"));
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>
    /// Writes the manifest as Redis's persistAofManifest does: to the temp name, fsynced, renamed over the manifest,
    /// then the directory fsynced, so a crash leaves the old manifest or the new one, never half of one. With
    /// <paramref name="closeReplaced"/>, the old manifest is held open across the rename and its handle given there:
    /// the rename then frees nothing, and the last close, which frees its blocks (with a synchronous discard on a file
    /// system mounted with <c>discard</c>, ~10 ms here), happens where that handle is closed.
    /// </summary>
    public void Persist(string dirPath, string appendFilename, Action<SafeFileHandle>? closeReplaced = null)
    {
        string temp = Path.Combine(dirPath, TempManifestName(appendFilename));
        using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            byte[] bytes = Encoding.UTF8.GetBytes(Format());
            fs.Write(bytes);
            fs.Flush(flushToDisk: true);
        }
        string path = Path.Combine(dirPath, ManifestName(appendFilename));
        SafeFileHandle? old = null;
        if (closeReplaced != null)
        {
            try { old = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
        try
        {
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (old != null) closeReplaced!(old);
        }
        DirectorySync.Fsync(dirPath);
    }
}
