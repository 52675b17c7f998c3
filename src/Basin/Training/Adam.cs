using System.Numerics;

using Basin.Tensors;

namespace Basin.Training;

/// <summary>
/// Adam as PyTorch's torch.optim.Adam (L2 weight decay added to the gradient, bias corrections, eps outside
/// the square root): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
/// theta -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
/// </summary>
internal sealed class Adam<T>(double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0) : Optimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    T[]? m, v;

    public override string Describe() => $"adam(betas=({beta1},{beta2}), eps={eps}{(weightDecay != 0 ? $", weight_decay={weightDecay}" : "")})";

    public override unsafe void Step(Span<T> theta, ReadOnlySpan<T> gradient, double learningRate)
    {
        m ??= new T[theta.Length];
        v ??= new T[theta.Length];
        Steps++;
        double c1 = 1 - Math.Pow(beta1, Steps), c2 = Math.Sqrt(1 - Math.Pow(beta2, Steps));
        T b1 = T.CreateChecked(beta1), b2 = T.CreateChecked(beta2), a1 = T.CreateChecked(1 - beta1), a2 = T.CreateChecked(1 - beta2);
        T wd = T.CreateChecked(weightDecay), e = T.CreateChecked(eps), rootC2 = T.CreateChecked(c2), step = T.CreateChecked(-learningRate / c1);
        fixed (T* pt = theta, pg = gradient)
            Executor.ForChunks(theta.Length, Executor.Threads(Threads), new Update(pt, pg, m, v, weightDecay != 0, b1, b2, a1, a2, wd, e, rootC2, step));
    }

    readonly unsafe struct Update(T* th, T* gr, T[] m, T[] v, bool decay, T b1, T b2, T a1, T a2, T wd, T e, T rootC2, T step) : IChunkBody
    {
        public void Run(int from, int length)
        {
            for (int i = from; i < from + length; i++)
            {
                T g = decay ? gr[i] + wd * th[i] : gr[i];
                m[i] = m[i] * b1 + a1 * g;
                v[i] = v[i] * b2 + a2 * g * g;
                T denom = T.Sqrt(v[i]) / rootC2 + e;
                th[i] += step * (m[i] / denom);
            }
        }
    }

    public override IReadOnlyList<(string Name, T[] Values)> State => m is null ? [] : [("exp_avg", m), ("exp_avg_sq", v!)];

    public override void Restore(IReadOnlyDictionary<string, T[]> state, long steps)
    {
        (m, v) = steps > 0 ? (Take(state, "exp_avg"), Take(state, "exp_avg_sq")) : (null, null);
        Steps = steps;
    }
}
