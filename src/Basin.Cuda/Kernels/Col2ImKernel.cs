using ILGPU;
using Basin.Devices;

namespace Basin.Cuda.Kernels;

/// <summary>
/// The adjoint of <see cref="Im2ColKernel"/>: each input value gathers, in kernel-offset order, the column-matrix entries
/// that read it (backward's gradient in a convolution's input). A gather, so no two threads write one value.
/// </summary>
internal static class Col2ImKernel
{
    public static void Run(Index1D i, ArrayView<float> cols, ArrayView<float> x, ConvShape s)
    {
        int iw = i % s.W, ih = i / s.W % s.H, c = i / (s.W * s.H) % s.C, b = i / (s.W * s.H * s.C);
        int columns = s.Columns;
        float sum = 0;
        for (int kh = 0; kh < s.K; kh++)
        {
            int h = ih + s.Padding - kh;
            if (h < 0 || h % s.Stride != 0 || h / s.Stride >= s.OH) continue;
            for (int kw = 0; kw < s.K; kw++)
            {
                int w = iw + s.Padding - kw;
                if (w < 0 || w % s.Stride != 0 || w / s.Stride >= s.OW) continue;
                long row = (long)c * s.K * s.K + kh * s.K + kw;
                sum += cols[row * columns + (long)b * s.OH * s.OW + h / s.Stride * s.OW + w / s.Stride];
            }
        }
        x[i] = sum;
    }
}
