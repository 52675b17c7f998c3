using System.Numerics;
using System.Numerics.Tensors;

namespace Basin.Training;

/// <summary>
/// Stochastic gradient descent exactly as PyTorch's torch.optim.SGD (dampening 0): d = g + wd theta;
/// b = d on the first step, else b = mu b + d; d = d + mu b (Nesterov) or b; theta -= lr d.
/// Full-batch gradient descent is this with the whole set as the batch.
/// </summary>
public sealed class Sgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    T[]? buffer;
    T[]? decayed, nesterov;

    public double Momentum { get; }
    public bool Nesterov { get; }
    public double WeightDecay { get; }

    public Sgd(double momentum = 0, bool nesterov = false, double weightDecay = 0)
    {
        if (momentum < 0) throw new BasinException("--momentum", $"{momentum} is negative");
        if (nesterov && momentum == 0) throw new BasinException("--nesterov", "needs --momentum above 0");
        Momentum = momentum;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
    }

    public override string Describe() =>
        $"sgd(momentum={Momentum}{(Nesterov ? ", nesterov" : "")}{(WeightDecay != 0 ? $", weight_decay={WeightDecay}" : "")})";

    public override void Step(Span<T> theta, ReadOnlySpan<T> gradient, double learningRate)
    {
        T mu = T.CreateChecked(Momentum), step = T.CreateChecked(-learningRate);
        ReadOnlySpan<T> d = gradient;
        if (WeightDecay != 0)
        {
            decayed ??= new T[theta.Length];
            TensorPrimitives.MultiplyAdd(theta, T.CreateChecked(WeightDecay), gradient, decayed);
            d = decayed;
        }
        if (Momentum != 0)
        {
            if (buffer is null) buffer = d.ToArray();
            else TensorPrimitives.MultiplyAdd(buffer, mu, d, buffer);
            if (Nesterov)
            {
                nesterov ??= new T[theta.Length];
                TensorPrimitives.MultiplyAdd(buffer, mu, d, nesterov);
                d = nesterov;
            }
            else d = buffer;
        }
        TensorPrimitives.FusedMultiplyAdd(d, step, theta, theta);
        Steps++;
    }

    public override IReadOnlyList<(string Name, T[] Values)> State => buffer is null ? [] : [("momentum_buffer", buffer)];

    public override void Restore(IReadOnlyDictionary<string, T[]> state, long steps)
    {
        buffer = Momentum != 0 && steps > 0 ? Take(state, "momentum_buffer") : null;
        Steps = steps;
    }
}
