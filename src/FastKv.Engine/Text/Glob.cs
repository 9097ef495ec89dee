using System;

namespace FastKv.Engine;

/// <summary>
/// Redis's glob-style matcher (util.c stringmatchlen), used by KEYS, SCAN MATCH and later by
/// PSUBSCRIBE, CONFIG GET and HSCAN/SSCAN/ZSCAN. Same semantics to the byte:
/// <c>*</c> any run, <c>?</c> one byte, <c>[abc]</c>, <c>[^abc]</c>, <c>[a-z]</c> (ends may come
/// reversed), <c>\x</c> a literal x. An unclosed <c>[</c> set ends at the pattern's end. Case folding
/// (nocase) is ASCII only, as C's tolower in the "C" locale; an escaped byte inside a set is always
/// compared case-sensitively, as in Redis.
/// </summary>
public static class Glob
{
    public static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> s, bool nocase)
    {
        bool skipLongerMatches = false;
        return MatchImpl(pattern, s, nocase, ref skipLongerMatches);
    }

    static int Lower(int c) => (uint)(c - 'A') <= 'Z' - 'A' ? c | 0x20 : c;

    /// <summary>
    /// Pattern and string advance together. <paramref name="skipLongerMatches"/> is Redis's guard
    /// against exponential backtracking (CVE-2022-36021): once the tail after a '*' matched nowhere
    /// in the rest of the string, no earlier '*' can make it match by consuming more.
    /// </summary>
    static bool MatchImpl(ReadOnlySpan<byte> p, ReadOnlySpan<byte> s, bool nocase, ref bool skipLongerMatches)
    {
        int pi = 0, si = 0;
        while (pi < p.Length && si < s.Length)
        {
            switch (p[pi])
            {
                case (byte)'*':
                    while (pi + 1 < p.Length && p[pi + 1] == '*') pi++;
                    if (pi + 1 == p.Length) return true;
                    while (si < s.Length)
                    {
                        if (MatchImpl(p.Slice(pi + 1), s.Slice(si), nocase, ref skipLongerMatches)) return true;
                        if (skipLongerMatches) return false;
                        si++;
                    }
                    skipLongerMatches = true;
                    return false;
                case (byte)'?':
                    si++;
                    break;
                case (byte)'[':
                {
                    pi++;
                    bool not = pi < p.Length && p[pi] == '^';
                    if (not) pi++;
                    bool match = false;
                    int c = s[si];
                    while (true)
                    {
                        if (pi >= p.Length)
                        {
                            // Unclosed set: step back so the common "advance" below lands on the end.
                            pi--;
                            break;
                        }
                        if (p[pi] == '\\' && p.Length - pi >= 2)
                        {
                            pi++;
                            if (p[pi] == c) match = true;
                        }
                        else if (p[pi] == ']')
                        {
                            break;
                        }
                        else if (p.Length - pi >= 3 && p[pi + 1] == '-')
                        {
                            int start = p[pi], end = p[pi + 2], x = c;
                            if (start > end) (start, end) = (end, start);
                            if (nocase)
                            {
                                start = Lower(start);
                                end = Lower(end);
                                x = Lower(x);
                            }
                            pi += 2;
                            if (x >= start && x <= end) match = true;
                        }
                        else if (nocase ? Lower(p[pi]) == Lower(c) : p[pi] == c)
                        {
                            match = true;
                        }
                        pi++;
                    }
                    if (not) match = !match;
                    if (!match) return false;
                    si++;
                    break;
                }
                case (byte)'\\':
                    if (p.Length - pi >= 2) pi++;
                    goto default;
                default:
                    if (nocase ? Lower(p[pi]) != Lower(s[si]) : p[pi] != s[si]) return false;
                    si++;
                    break;
            }
            pi++;
            if (si == s.Length)
            {
                while (pi < p.Length && p[pi] == '*') pi++;
                break;
            }
        }
        return pi >= p.Length && si == s.Length;
    }
}
