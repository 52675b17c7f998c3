using System.Numerics;
using System.Numerics.Tensors;
using Basin.Objective;
using Basin.Tensors;

namespace Basin.Connectivity;

/// <summary>
/// Trains the bends of a curve between two minima on any spec model, without rewriting the model: for each
/// minibatch draw t ~ U(0, 1), take the gradient g of the minibatch loss at phi(t), and move every bend P_i by
/// SGD with momentum along w_i(t) g (the gradient of E_t L(phi(t)), Garipov et al. 2018, eq. 3).
/// </summary>
internal static class CurveTraining
{
    public static void Train<T>(Curve curve, EmpiricalRisk<T> objective, int epochs, int batch, double learningRate, double momentum, ulong seed,
        Action<int, double>? progress = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = objective.Count, p = curve.A.Length;
        var rng = new Rng(seed, 0xC0E5);
        var order = new int[n];
        var point = new T[p];
        var gradient = new T[p];
        var velocity = curve.Bends.Select(_ => new double[p]).ToArray();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            for (int i = 0; i < n; i++) order[i] = i;
            rng.Shuffle(order);
            double sum = 0;
            int batches = 0;
            for (int start = 0; start < n; start += batch)
            {
                double t = rng.NextDouble();
                var phi = curve.At(t);
                TensorPrimitives.ConvertTruncating(phi, point.AsSpan());
                sum += objective.MinibatchGradient(point, order.AsSpan(start, Math.Min(batch, n - start)), gradient);
                batches++;
                var w = curve.Weights(t);
                for (int b = 0; b < curve.Bends.Length; b++)
                {
                    double wb = w[b + 1];
                    var v = velocity[b];
                    var bend = curve.Bends[b];
                    for (int j = 0; j < p; j++)
                    {
                        v[j] = momentum * v[j] + wb * double.CreateTruncating(gradient[j]);
                        bend[j] -= learningRate * v[j];
                    }
                }
            }
            progress?.Invoke(epoch + 1, sum / batches);
        }
    }
}
