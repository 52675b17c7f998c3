using ILGPU;

namespace Basin.Cuda.Kernels;

/// <summary>
/// Softmax cross-entropy of each row of logits against its label: log sum exp (z - max) + max - z[label], in float64 from
/// the float32 logits, and whether the row's largest logit (the first, on ties) is its label's.
/// </summary>
internal static class CrossEntropyKernel
{
    public static void Run(Index1D row, ArrayView<float> logits, ArrayView<int> labels, ArrayView<double> loss, ArrayView<double> correct, int classes)
    {
        long o = (long)(int)row * classes;
        float max = logits[o];
        int argmax = 0;
        for (int c = 1; c < classes; c++)
            if (logits[o + c] > max)
            {
                max = logits[o + c];
                argmax = c;
            }
        double sum = 0;
        for (int c = 0; c < classes; c++) sum += Math.Exp((double)logits[o + c] - max);
        int label = labels[row];
        loss[row] = Math.Log(sum) + max - logits[o + label];
        correct[row] = argmax == label ? 1 : 0;
    }
}
