using System.Numerics;

namespace Basin.Training;

/// <summary>
/// Stochastic gradient descent exactly as PyTorch's torch.optim.SGD (dampening 0): d = g + wd theta;
/// b = d on the first step, else b = mu b + d; d = d + mu b (Nesterov) or b; theta -= lr d.
/// Full-batch gradient descent is this with the whole set as the batch.
/// </summary>
public sealed class Sgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    T[]? buffer;

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
        T mu = T.CreateChecked(Momentum), wd = T.CreateChecked(WeightDecay), step = T.CreateChecked(-learningRate);
        bool first = buffer is null;
        if (Momentum != 0) buffer ??= new T[theta.Length];
        for (int i = 0; i < theta.Length; i++)
        {
            T d = WeightDecay != 0 ? gradient[i] + wd * theta[i] : gradient[i];
            if (buffer is not null)
            {
                T b = first ? d : buffer[i] * mu + d;
                buffer[i] = b;
                d = Nesterov ? d + mu * b : b;
            }
            theta[i] = T.FusedMultiplyAdd(step, d, theta[i]);
        }
        Steps++;
    }

    public override IReadOnlyList<(string Name, T[] Values)> State => buffer is null ? [] : [("momentum_buffer", buffer)];

    public override void Restore(IReadOnlyDictionary<string, T[]> state, long steps)
    {
        buffer = Momentum != 0 && steps > 0 ? Take(state, "momentum_buffer") : null;
        Steps = steps;
    }
}
