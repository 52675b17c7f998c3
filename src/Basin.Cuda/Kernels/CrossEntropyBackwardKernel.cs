using ILGPU;

namespace Basin.Cuda.Kernels;

/// <summary>
/// Each row's cross-entropy gradient in its logits, delta = softmax(z) - onehot(label), and, given Rz, its R-operator
/// R(delta) = H Rz with H = diag(p) - p p^T the softmax's Hessian: p (Rz - p^T Rz). The softmax is taken in float64.
/// </summary>
internal static class CrossEntropyBackwardKernel
{
    public static void Run(Index1D row, ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> delta, ArrayView<float> rz, ArrayView<float> rdelta,
        int classes)
    {
        long o = (long)(int)row * classes;
        float max = logits[o];
        for (int c = 1; c < classes; c++) max = MathF.Max(max, logits[o + c]);
        double sum = 0;
        for (int c = 0; c < classes; c++) sum += Math.Exp((double)logits[o + c] - max);
        double dot = 0;
        for (int c = 0; c < classes; c++)
        {
            double p = Math.Exp((double)logits[o + c] - max) / sum;
            delta[o + c] = (float)(c == labels[row] ? p - 1 : p);
            if (rz.Length > 0) dot += p * rz[o + c];
        }
        if (rz.Length == 0) return;
        for (int c = 0; c < classes; c++)
        {
            double p = Math.Exp((double)logits[o + c] - max) / sum;
            rdelta[o + c] = (float)(p * (rz[o + c] - dot));
        }
    }
}
