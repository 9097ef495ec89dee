using System.Runtime.CompilerServices;

namespace FastKv.Memory;

/// <summary>
/// The generator a shard samples with (RANDOMKEY, SRANDMEMBER, HRANDFIELD, the table's random entry): an
/// xorshift64 state the caller keeps, its output passed through splitmix64's finalizer. Raw xorshift64 is
/// weak in its low bits (bit 0 of the next output is bit 0 xor bit 7 of the last), and callers reduce with
/// <c>% n</c>, so a two-way choice that advances the state by a varying number of steps came out 68/32;
/// the finalizer makes every output bit depend on every state bit. Not for secrets (see <see cref="OsRandom"/>).
/// </summary>
public static class SampleRandom
{
    /// <summary>Seed used when the state is zero (xorshift's one fixed point).</summary>
    const ulong ZeroStateSeed = 0x9E3779B97F4A7C15;

    /// <summary>Offsets the state for <see cref="Peek"/>, so a peeked value is unrelated to the next output.</summary>
    const ulong PeekOffset = 0xD1B54A32D192ED03;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Next(ref ulong state)
    {
        ulong x = state == 0 ? ZeroStateSeed : state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state = x;
        return Mix(x);
    }

    /// <summary>
    /// A random value that the state determines without advancing it: asked again before the next
    /// <see cref="Next"/>, it is the same. Independent of what <see cref="Next"/> returns next.
    /// </summary>
    public static ulong Peek(ulong state) => Mix(state + PeekOffset);

    /// <summary>splitmix64's finalizer: a bijection in which every output bit depends on every input bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static ulong Mix(ulong x)
    {
        ulong z = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
