using ILGPU;

namespace Basin.Cuda.Kernels;

/// <summary>A point of a surface's plane: theta + a dx + b dy.</summary>
internal static class PlanePointKernel
{
    public static void Run(Index1D i, ArrayView<float> theta, ArrayView<float> dx, ArrayView<float> dy, ArrayView<float> point, float a, float b) =>
        point[i] = theta[i] + a * dx[i] + b * dy[i];
}
