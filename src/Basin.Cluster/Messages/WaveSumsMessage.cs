using System.Numerics;
using System.Runtime.InteropServices;
using Basin.Objective;

namespace Basin.Cluster.Messages;

/// <summary><see cref="ShardSums{T}"/> on the wire (each wave's vector as the bytes of its T values), and the seconds computing them took.</summary>
[GenerateSerializer, Immutable]
internal sealed record WaveSumsMessage(
    [property: Id(0)] int FirstWave,
    [property: Id(1)] double[] Loss,
    [property: Id(2)] int[] Correct,
    [property: Id(3)] byte[][] Waves,
    [property: Id(4)] double Seconds) : IComputed
{
    public static WaveSumsMessage Of<T>(ShardSums<T> sums, double seconds) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(sums.FirstWave, sums.Loss, sums.Correct, sums.Waves.Select(w => MemoryMarshal.AsBytes(w.AsSpan()).ToArray()).ToArray(), seconds);

    public ShardSums<T> To<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        new(FirstWave, Loss, Correct, Waves.Select(w => MemoryMarshal.Cast<byte, T>(w).ToArray()).ToArray());
}
