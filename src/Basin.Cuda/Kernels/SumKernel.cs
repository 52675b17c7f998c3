using ILGPU;

namespace Basin.Cuda.Kernels;

/// <summary>
/// Sums of n float64 values in segments of <c>segment</c> (the last may be shorter), one group of <see cref="Threads"/>
/// threads per segment in a fixed order (thread t adds elements t, t + Threads, ... in turn, then a tree over the
/// threads): the same bits run to run, with no atomics.
/// </summary>
internal static class SumKernel
{
    public const int Threads = 256;

    public static void Run(ArrayView<double> values, ArrayView<double> total, int n, int segment)
    {
        var partial = SharedMemory.Allocate<double>(Threads);
        int t = Group.IdxX, g = Grid.IdxX;
        long from = (long)g * segment, to = Math.Min(from + segment, n);
        double s = 0;
        for (long i = from + t; i < to; i += Threads) s += values[i];
        partial[t] = s;
        Group.Barrier();
        for (int width = Threads / 2; width > 0; width /= 2)
        {
            if (t < width) partial[t] += partial[t + width];
            Group.Barrier();
        }
        if (t == 0) total[g] = partial[0];
    }

    public static KernelConfig Config(int segments) => new(segments, Threads);
}
