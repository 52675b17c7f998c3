using System.Numerics;
using Basin.Engine;
using Basin.Tensors;

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

    /// <summary>Waves of <see cref="WaveSize"/> shards: the unit of work a cluster shares out.</summary>
    internal int WaveCount => (ShardCount + WaveSize - 1) / WaveSize;

    /// <summary>
    /// The sums of waves [first, first + count) of a pass at <paramref name="fixedTheta"/> (an array its caller never
    /// writes) along v (float64; unused by the loss and gradient passes): each shard's loss sum (or quadratic form) and
    /// correct predictions, and each wave's summed shard vector for the vector passes.
    /// </summary>
    internal ShardSums<T> SumWaves(Pass pass, T[] fixedTheta, ReadOnlySpan<double> v, int first, int count)
    {
        if (first < 0 || count < 1 || first + count > WaveCount)
            throw new ArgumentOutOfRangeException(nameof(count), $"waves [{first}, {first + count}) of {WaveCount}");
        int from = first * WaveSize, to = Math.Min(ShardCount, (first + count) * WaveSize);
        bool vector = IsVector(pass);
        var waves = new T[vector ? count : 0][];
        for (int k = 0; k < waves.Length; k++) waves[k] = new T[Dimension];
        Run<double>(pass, fixedTheta, v, Span<double>.Empty, fixedTheta, (from, to), waves);
        return new ShardSums<T>(first, shardSum[from..to], shardCorrect[from..to], waves);
    }

    /// <summary>
    /// The full pass from its waves' sums, computed anywhere, in wave order: the same bits as the pass run here, as it
    /// adds the same numbers in the same order (each shard's scalar in turn, each wave's vector in turn). Returns the
    /// mean loss (or quadratic form) and correct count; a vector pass writes its mean (+ l2) to result.
    /// </summary>
    internal (double Loss, long Correct) Merge(Pass pass, T[] fixedTheta, ReadOnlySpan<double> v, IReadOnlyList<ShardSums<T>> parts, Span<double> result)
    {
        bool vector = IsVector(pass);
        int wave = 0;
        foreach (var part in parts)
        {
            int waves = (part.Loss.Length + WaveSize - 1) / WaveSize;
            int shards = Math.Min(ShardCount, (wave + waves) * WaveSize) - wave * WaveSize;
            if (part.FirstWave != wave || part.Loss.Length != shards || part.Waves.Length != (vector ? waves : 0))
                throw new ArgumentException($"the parts do not cover the waves in order (wave {wave} expected, {part.FirstWave} given)");
            wave += waves;
        }
        if (wave != WaveCount) throw new ArgumentException($"the parts cover {wave} of {WaveCount} waves");
        Network.Buffers.Training = trainMode;
        Executor.Budget = Threads;
        SetTheta(fixedTheta, fixedTheta);
        if (pass is not (Pass.Loss or Pass.Gradient)) SetDirection(v);
        if (vector) CheckLength<double>(result, "result");
        double total = 0;
        long correct = 0;
        int k = 0;
        foreach (var part in parts)
        {
            for (int s = 0; s < part.Loss.Length; s++)
            {
                total += part.Loss[s];
                correct += part.Correct[s];
            }
            if (!vector) continue;
            foreach (var sum in part.Waves)
            {
                Reduce(pass, [sum], 1, null, starts: k == 0, last: k == WaveCount - 1, result);
                k++;
            }
        }
        return Normalized(pass, total, correct);
    }

    /// <summary>
    /// Workers elsewhere (a cluster) holding the same data and settings, which run this risk's full passes: the loss and its
    /// gradient at any theta, and (through <see cref="Curvature.HessianOperator{T}"/>) the Hessian's products. Minibatch and
    /// per-example passes stay here.
    /// </summary>
    internal IRemoteRisk? Remote { get; init; }

    /// <summary>A full pass at theta by the workers of <see cref="Remote"/>, merged here into this process's bits; the gradient pass writes the mean gradient.</summary>
    internal (double Loss, long Correct) RemotePass(Pass pass, ReadOnlySpan<T> theta, Span<T> gradient)
    {
        var at = theta.ToArray();
        var mean = new double[pass == Pass.Gradient ? Dimension : 0];
        var merged = Merge(pass, at, [], Remote!.Sum<T>(pass, Numbers.ToDouble<T>(at), [], WaveCount, BatchSize), mean);
        if (pass == Pass.Gradient) Numbers.To<T>(mean).CopyTo(gradient);
        return merged;
    }

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

    /// <summary>Shards of the running wave claimed so far (see <see cref="Wave"/>).</summary>
    int claimedShards;

    /// <summary>
    /// The shards of one wave, each claimed by the next worker to come free, so a core the machine slows (a busy
    /// neighbour on a shared host) does not hold the others back at the wave's end. A shard's sums go to its own slot
    /// and every shard computes the same whichever worker runs it, so no bit depends on who ran what.
    /// </summary>
    readonly struct Wave(EmpiricalRisk<T> risk, Pass pass, int first, int count, int threads, Workspace<T>[]? kept) : IWorkerBody
    {
        public int Threads => threads;

        public void Run(int worker)
        {
            using var alone = Executor.OwnThreadOnly(threads > 1);
            for (int s; (s = Interlocked.Increment(ref risk.claimedShards) - 1) < count;)
                if (kept is not null) risk.LinearizedShard(pass, first + s, s, kept[first + s]);
                else risk.Shard(pass, first + s, s, risk.workspaces[worker]);
        }
    }
}
