using ILGPU;

namespace Basin.Cuda.Kernels;

/// <summary>A minibatch's rows gathered from the data on the device: row r of y is row indices[r] of x, with its label.</summary>
internal static class GatherKernel
{
    public static void Run(Index1D i, ArrayView<float> x, ArrayView<int> labels, ArrayView<int> indices, ArrayView<float> y, ArrayView<int> yLabels, int width)
    {
        int row = i / width, column = i % width, e = indices[row];
        y[i] = x[(long)e * width + column];
        if (column == 0) yLabels[row] = labels[e];
    }
}
