using ILGPU;

namespace Basin.Cuda.Kernels;

/// <summary>
/// The sum of n float64 values by one group of <see cref="Threads"/> threads in a fixed order (thread t adds elements t,
/// t + Threads, ... in turn, then a tree over the threads): the same bits run to run, with no atomics.
/// </summary>
internal static class SumKernel
{
    public const int Threads = 256;

    public static void Run(ArrayView<double> values, ArrayView<double> total, int n)
    {
        var partial = SharedMemory.Allocate<double>(Threads);
        int t = Group.IdxX;
        double s = 0;
        for (int i = t; i < n; i += Threads) s += values[i];
        partial[t] = s;
        Group.Barrier();
        for (int width = Threads / 2; width > 0; width /= 2)
        {
            if (t < width) partial[t] += partial[t + width];
            Group.Barrier();
        }
        if (t == 0) total[0] = partial[0];
    }

    public static KernelConfig Config => new(1, Threads);
}
