using System.Numerics;

namespace Basin.Objective;

/// <summary>
/// The risk split for work that other processes or machines share: unnormalized sums over ranges of shards, which
/// merge, in shard order, into exactly the full passes' numbers; and per-example gradients.
/// </summary>
public sealed partial class EmpiricalRisk<T>
{
    /// <summary>Shards of <see cref="BatchSize"/> examples the data are cut into (the last may be shorter).</summary>
    public int ShardCount => (Count + BatchSize - 1) / BatchSize;

    /// <summary>
    /// Unnormalized sums over shards [first, first + count) of the data: the loss summed over their examples (float64) and
    /// their correct predictions, without the l2 term. Shards are summed in order, as the full passes do, so that work split
    /// into consecutive ranges can be merged by a caller (Evaluate is (sum over all shards) / N + l2).
    /// </summary>
    public (double LossSum, long Correct) SumLoss(ReadOnlySpan<T> theta, int first, int count) =>
        Run(Pass.Loss, theta, ReadOnlySpan<T>.Empty, Span<T>.Empty, range: Range(first, count));

    /// <summary>The sum over shards [first, first + count) of the per-example loss gradients (no 1/N, no l2); returns the loss sum.</summary>
    public double SumGradient(ReadOnlySpan<T> theta, int first, int count, Span<T> gradientSum) =>
        Run(Pass.Gradient, theta, ReadOnlySpan<T>.Empty, gradientSum, range: Range(first, count)).Loss;

    /// <summary>The sum over shards [first, first + count) of the per-example Hessian-vector products (no 1/N, no l2).</summary>
    public void SumHessianVectorProduct(ReadOnlySpan<T> theta, ReadOnlySpan<T> v, int first, int count, Span<T> hvSum) =>
        Run(Pass.HessianVector, theta, v, hvSum, range: Range(first, count));

    (int From, int To) Range(int first, int count)
    {
        if (first < 0 || count < 1 || first + count > ShardCount)
            throw new ArgumentOutOfRangeException(nameof(count), $"shards [{first}, {first + count}) of {ShardCount}");
        return (first, first + count);
    }

    /// <summary>
    /// Per-example gradients g_i = grad l_i (+ l2 theta) of examples [start, start+count), one row of
    /// <c>Dimension</c> each: their mean over the whole set is <see cref="Gradient"/>.
    /// </summary>
    public void PerExampleGradients(ReadOnlySpan<T> theta, int start, int count, Span<T> gradients)
    {
        CheckLength(theta, "theta");
        if (start < 0 || count < 0 || start + count > Count) throw new ArgumentOutOfRangeException(nameof(count));
        if (gradients.Length < (long)count * Dimension) throw new ArgumentException("gradients is too short", nameof(gradients));
        Network.Buffers.Training = false;
        SetTheta(theta);
        var ws = workspaces[0];
        int width = Network.OutputSize;
        for (int i = 0; i < count; i++)
        {
            int e = start + i;
            Network.Forward(this.theta, Inputs(e, 1, ws), 1, ws);
            loss.Forward(ws.Output(1), targets, e, 1, width, ws.OutputDelta(1));
            var row = gradients.Slice(i * Dimension, Dimension);
            Network.Backward(this.theta, 1, ws, row);
            if (L2 != 0)
                for (int j = 0; j < Dimension; j++) row[j] += T.CreateChecked(L2) * this.theta[j];
        }
    }
}
