using System.Numerics;
using System.Numerics.Tensors;

using Basin.Tensors;

namespace Basin.Training;

/// <summary>
/// Stochastic gradient descent exactly as PyTorch's torch.optim.SGD (dampening 0): d = g + wd theta;
/// b = d on the first step, else b = mu b + d; d = d + mu b (Nesterov) or b; theta -= lr d.
/// Full-batch gradient descent is this with the whole set as the batch.
/// </summary>
internal sealed class Sgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    T[]? buffer;
    T[]? decayed, nesterov;

    public double Momentum { get; }
    public bool Nesterov { get; }
    public double WeightDecay { get; }

    public Sgd(double momentum = 0, bool nesterov = false, double weightDecay = 0)
    {
        if (momentum < 0) throw new BasinException("{momentum}", $"{momentum} is negative");
        if (nesterov && momentum == 0) throw new BasinException("{nesterov}", "needs {momentum} above 0");
        Momentum = momentum;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
    }

    public override string Describe() =>
        $"sgd(momentum={Momentum}{(Nesterov ? ", nesterov" : "")}{(WeightDecay != 0 ? $", weight_decay={WeightDecay}" : "")})";

    public override unsafe void Step(Span<T> theta, ReadOnlySpan<T> gradient, double learningRate)
    {
        T mu = T.CreateChecked(Momentum), step = T.CreateChecked(-learningRate), wd = T.CreateChecked(WeightDecay);
        int n = theta.Length;
        if (WeightDecay != 0) decayed ??= new T[n];
        bool firstStep = buffer is null;
        if (Momentum != 0) buffer ??= new T[n];
        if (Nesterov) nesterov ??= new T[n];
        fixed (T* pt = theta, pg = gradient)
            Executor.ForChunks(n, Executor.Threads(Threads), new Update(pt, pg, decayed, buffer, nesterov, firstStep, mu, step, wd));
        Steps++;
    }

    /// <summary>One chunk of a step: decay, momentum buffer (Nesterov look-ahead), then theta += step d.</summary>
    readonly unsafe struct Update(T* theta, T* gradient, T[]? decayed, T[]? buffer, T[]? nesterov, bool firstStep, T mu, T step, T wd) : IChunkBody
    {
        public void Run(int from, int length)
        {
            var th = new Span<T>(theta + from, length);
            ReadOnlySpan<T> d = new ReadOnlySpan<T>(gradient + from, length);
            if (decayed is not null)
            {
                var decay = decayed.AsSpan(from, length);
                TensorPrimitives.MultiplyAdd(th, wd, d, decay);
                d = decay;
            }
            if (buffer is not null)
            {
                var b = buffer.AsSpan(from, length);
                if (firstStep) d.CopyTo(b);
                else TensorPrimitives.MultiplyAdd(b, mu, d, b);
                if (nesterov is not null)
                {
                    var look = nesterov.AsSpan(from, length);
                    TensorPrimitives.MultiplyAdd(b, mu, d, look);
                    d = look;
                }
                else d = b;
            }
            TensorPrimitives.FusedMultiplyAdd(d, step, th, th);
        }
    }

    public override IReadOnlyList<(string Name, T[] Values)> State => buffer is null ? [] : [("momentum_buffer", buffer)];

    /// <summary>
    /// As PyTorch's SGD with a param group's momentum changed when a run resumes: a run saved without momentum has
    /// no buffer, and the next step starts one from the gradient; a buffer saved with momentum is dropped without it.
    /// </summary>
    public override void Restore(IReadOnlyDictionary<string, T[]> state, long steps)
    {
        buffer = Momentum != 0 && state.TryGetValue("momentum_buffer", out var saved) ? (T[])saved.Clone() : null;
        Steps = steps;
    }
}
