using System;
using System.Runtime.CompilerServices;
using FastKv.Protocol;

namespace FastKv.Engine;

/// <summary>
/// A stream entry ID, Redis's streamID: milliseconds and a sequence number, both unsigned 64-bit, ordered
/// as the 128-bit big-endian number ms:seq (Redis's rax key, streamEncodeID). Comparing (Ms, Seq) as two
/// unsigned numbers gives exactly the order of those 16 bytes under memcmp.
/// </summary>
public readonly struct StreamId : IComparable<StreamId>, IEquatable<StreamId>
{
    public readonly ulong Ms;
    public readonly ulong Seq;

    public StreamId(ulong ms, ulong seq) { Ms = ms; Seq = seq; }

    public static readonly StreamId Min = new(0, 0);
    public static readonly StreamId Max = new(ulong.MaxValue, ulong.MaxValue);

    /// <summary>The longest text of an ID: two 20-digit numbers and the dash.</summary>
    public const int MaxChars = 41;

    public bool IsZero => (Ms | Seq) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int CompareTo(StreamId o) => Ms != o.Ms ? (Ms < o.Ms ? -1 : 1) : Seq != o.Seq ? (Seq < o.Seq ? -1 : 1) : 0;

    public bool Equals(StreamId o) => Ms == o.Ms && Seq == o.Seq;
    public override bool Equals(object? obj) => obj is StreamId o && Equals(o);
    public override int GetHashCode() => HashCode.Combine(Ms, Seq);
    public static bool operator <(StreamId a, StreamId b) => a.CompareTo(b) < 0;
    public static bool operator >(StreamId a, StreamId b) => a.CompareTo(b) > 0;
    public static bool operator <=(StreamId a, StreamId b) => a.CompareTo(b) <= 0;
    public static bool operator >=(StreamId a, StreamId b) => a.CompareTo(b) >= 0;
    public static bool operator ==(StreamId a, StreamId b) => a.Equals(b);
    public static bool operator !=(StreamId a, StreamId b) => !a.Equals(b);

    /// <summary>streamIncrID: the successor; false (and 0-0) when this is the largest ID.</summary>
    public bool TryIncrement(out StreamId next)
    {
        if (Seq != ulong.MaxValue) { next = new StreamId(Ms, Seq + 1); return true; }
        if (Ms != ulong.MaxValue) { next = new StreamId(Ms + 1, 0); return true; }
        next = Min;
        return false;
    }

    /// <summary>streamDecrID: the predecessor; false (and the largest ID) when this is 0-0.</summary>
    public bool TryDecrement(out StreamId prev)
    {
        if (Seq != 0) { prev = new StreamId(Ms, Seq - 1); return true; }
        if (Ms != 0) { prev = new StreamId(Ms - 1, ulong.MaxValue); return true; }
        prev = Max;
        return false;
    }

    /// <summary>Writes "ms-seq" (at most <see cref="MaxChars"/> bytes) and returns its length.</summary>
    public int Format(Span<byte> dst)
    {
        int n = FormatUnsigned(Ms, dst);
        dst[n++] = (byte)'-';
        return n + FormatUnsigned(Seq, dst.Slice(n));
    }

    static int FormatUnsigned(ulong v, Span<byte> dst)
    {
        int len = RespNumber.DigitsUnsigned(v);
        for (int i = len - 1; i >= 0; i--) { dst[i] = (byte)('0' + v % 10); v /= 10; }
        return len;
    }

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[MaxChars];
        return System.Text.Encoding.ASCII.GetString(b.Slice(0, Format(b)));
    }

    /// <summary>Writes the ID as a bulk string (addReplyStreamID).</summary>
    public void Reply(RespWriter w)
    {
        Span<byte> b = stackalloc byte[MaxChars];
        w.Bulk(b.Slice(0, Format(b)));
    }

    /// <summary>
    /// streamGenericParseIDOrReply without the reply: "ms-seq", "ms" (seq = <paramref name="missingSeq"/>), "-" and "+"
    /// (unless <paramref name="strict"/>), and with <paramref name="allowAutoSeq"/> "ms-*" (then <paramref name="seqGiven"/>
    /// is false). Each number is read as Redis's string2ull reads it (strtoull after string2ll), text past a NUL ignored.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out StreamId id, ulong missingSeq, bool strict, bool allowAutoSeq, out bool seqGiven)
    {
        id = Min;
        seqGiven = true;
        if (text.Length > 127) return false;
        int nul = text.IndexOf((byte)0);
        if (nul >= 0) text = text.Slice(0, nul);
        if (text.Length == 1 && (text[0] == '-' || text[0] == '+'))
        {
            if (strict) return false;
            id = text[0] == '-' ? Min : Max;
            return true;
        }
        int dash = text.IndexOf((byte)'-');
        ReadOnlySpan<byte> msText = dash >= 0 ? text.Slice(0, dash) : text;
        if (!TryParseUnsigned(msText, out ulong ms)) return false;
        ulong seq = missingSeq;
        if (dash >= 0)
        {
            ReadOnlySpan<byte> seqText = text.Slice(dash + 1);
            if (allowAutoSeq && seqText.Length == 1 && seqText[0] == '*') { seq = 0; seqGiven = false; }
            else if (!TryParseUnsigned(seqText, out seq)) return false;
        }
        id = new StreamId(ms, seq);
        return true;
    }

    /// <summary>
    /// Redis's string2ull: a canonical int64 (string2ll) must not be negative; otherwise strtoull(…, 10) must consume the
    /// whole non-empty text (leading white space and a sign allowed, a minus negating modulo 2^64) without overflow.
    /// </summary>
    internal static bool TryParseUnsigned(ReadOnlySpan<byte> s, out ulong value)
    {
        value = 0;
        if (RespNumber.TryParseInt64(s, out long ll))
        {
            if (ll < 0) return false;
            value = (ulong)ll;
            return true;
        }
        if (s.IsEmpty) return false;
        int i = 0;
        while (i < s.Length && (s[i] == ' ' || (uint)(s[i] - '\t') <= '\r' - '\t')) i++;
        bool negative = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
        int digitsStart = i;
        ulong v = 0;
        bool overflow = false;
        for (; i < s.Length && (uint)(s[i] - '0') <= 9; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (v > (ulong.MaxValue - d) / 10) overflow = true;
            else v = v * 10 + d;
        }
        if (i == digitsStart || i != s.Length || overflow) return false;
        value = negative ? unchecked(0UL - v) : v;
        return true;
    }
}
