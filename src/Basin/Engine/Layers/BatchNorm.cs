using System.Numerics;
using System.Numerics.Tensors;

namespace Basin.Engine.Layers;

/// <summary>
/// BatchNorm1d over [C] and BatchNorm2d over [C,H,W] (PyTorch's eps, momentum and affine). Eval mode normalizes by the
/// running statistics: an affine map per channel, y = (x - mean) / sqrt(var + eps) w + b, with every pass exact. Train
/// mode (a training step) normalizes by the batch's mean and biased variance over examples and positions, keeps them for
/// the backward pass, and updates the running mean and the unbiased variance as PyTorch does; it has no curvature passes.
/// </summary>
internal sealed class BatchNorm<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly int channels, positions;
    ModelBuffers? buffers;
    int mean, variance, count;

    public double Eps { get; }
    public double Momentum { get; }
    public bool Affine { get; }

    public BatchNorm(int[] inputShape, double eps, double momentum, bool affine) : base(inputShape)
    {
        channels = inputShape[0];
        positions = InputSize / channels;
        Eps = eps; Momentum = momentum; Affine = affine;
    }

    public override IReadOnlyList<TensorSpec> Parameters =>
        Affine ? [new("weight", [channels], true), new("bias", [channels], true)] : [];

    public override IReadOnlyList<BufferSpec> Buffers =>
        [new("running_mean", [channels]), new("running_var", [channels]), new("num_batches_tracked", [], IsCount: true)];

    public override void Bind(ModelBuffers buffers, int valueOffset, int countOffset)
    {
        this.buffers = buffers;
        mean = valueOffset;
        variance = valueOffset + channels;
        count = countOffset;
    }

    public override string Describe()
    {
        string options = (Eps != 1e-5 ? $",eps={Eps.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "")
            + (Momentum != 0.1 ? $",momentum={Momentum.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "")
            + (Affine ? "" : ",affine=false");
        return $"batchnorm{(InputShape.Length == 1 ? "1d" : "2d")}({channels}{options})";
    }

    bool Training => buffers!.Training;

    /// <summary>Train mode keeps the batch's mean and 1/sqrt(var + eps) per channel from the forward pass to the backward.</summary>
    public override int StateSize(int batch) => 2 * channels;

    /// <summary>One channel's row of one example, x - mean, for the vectorized sums.</summary>
    public override int ScratchSize(int batch) => positions;

    T Weight(ReadOnlySpan<T> p, int c) => Affine ? p[c] : T.One;

    /// <summary>
    /// Puts the mean and 1/sqrt(var + eps) per channel this pass normalizes by at the front of the state: the running ones
    /// in eval mode; in train mode the batch's are already there from the forward pass.
    /// </summary>
    void Statistics(Span<T> state)
    {
        if (Training) return;
        for (int c = 0; c < channels; c++)
        {
            state[c] = T.CreateChecked(buffers!.Values[mean + c]);
            state[channels + c] = T.One / T.Sqrt(T.CreateChecked(buffers.Values[variance + c]) + T.CreateChecked(Eps));
        }
    }

    /// <summary>Batch statistics (sums in float64), kept in state; the running statistics move toward them.</summary>
    void BatchStatistics(ReadOnlySpan<T> x, int batch, Span<T> state)
    {
        var (n, factor) = Count(batch);
        var centred = state.Slice(2 * channels, positions);
        for (int c = 0; c < channels; c++)
        {
            // Each example's row summed in T (vectorized), the rows in float64.
            double sum = 0;
            for (int b = 0; b < batch; b++) sum += double.CreateTruncating(TensorPrimitives.Sum(x.Slice(b * InputSize + c * positions, positions)));
            double mu = sum / n, squares = 0;
            for (int b = 0; b < batch; b++)
            {
                TensorPrimitives.Subtract(x.Slice(b * InputSize + c * positions, positions), T.CreateChecked(mu), centred);
                squares += double.CreateTruncating(TensorPrimitives.SumOfSquares<T>(centred));
            }
            double biased = squares / n;
            state[c] = T.CreateChecked(mu);
            state[channels + c] = T.One / T.Sqrt(T.CreateChecked(biased) + T.CreateChecked(Eps));
            Move(c, mu, squares / (n - 1), factor);
        }
    }

    /// <summary>
    /// Counts a train-mode batch of <paramref name="batch"/> examples: the values per channel, and the factor the running
    /// statistics move by. As PyTorch: the count moves first, and momentum=None averages every batch equally (1 / count).
    /// </summary>
    (long N, double Factor) Count(int batch)
    {
        long n = (long)batch * positions;
        long batches = ++buffers!.Counts[count];
        if (n < 2) throw new BasinException("model", $"{Describe()} in train mode needs more than one value per channel, the batch has {n}",
            "train with a larger {batch}");
        return (n, buffers.Cumulative ? 1.0 / batches : Momentum);
    }

    /// <summary>The running mean and (unbiased) variance of channel c moved toward a batch's.</summary>
    void Move(int c, double mu, double unbiased, double factor)
    {
        var values = buffers!.Values;
        values[mean + c] = (1 - factor) * values[mean + c] + factor * mu;
        values[variance + c] = (1 - factor) * values[variance + c] + factor * unbiased;
    }

    /// <summary>
    /// The running statistics moved toward a train-mode batch's computed elsewhere (a GPU): its means and biased variances
    /// at this layer's offsets in <paramref name="statistics"/>, laid out as the buffers' values.
    /// </summary>
    public void Track(ReadOnlySpan<double> statistics, int batch)
    {
        var (n, factor) = Count(batch);
        for (int c = 0; c < channels; c++) Move(c, statistics[mean + c], statistics[variance + c] * n / (n - 1), factor);
    }

    public override void Forward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, Span<T> y, int batch, Span<T> scratch)
    {
        if (Training) BatchStatistics(x, batch, scratch);
        Statistics(scratch);
        ReadOnlySpan<T> mu = scratch[..channels], inv = scratch.Slice(channels, channels);
        for (int b = 0; b < batch; b++)
        for (int c = 0; c < channels; c++)
        {
            T m = mu[c], s = inv[c] * Weight(p, c), shift = Affine ? p[channels + c] : T.Zero;
            int at = b * InputSize + c * positions;
            var ys = y.Slice(at, positions);
            TensorPrimitives.Subtract(x.Slice(at, positions), m, ys);
            TensorPrimitives.Multiply(ys, s, ys);
            TensorPrimitives.Add(ys, shift, ys);
        }
    }

    /// <summary>
    /// Eval: dx = dy w / sigma. Train (the batch statistics depend on x): dx = w / sigma (dy - mean(dy) - xhat mean(dy xhat)).
    /// Both: gw = sum dy xhat, gb = sum dy, over examples and positions.
    /// </summary>
    public override void Backward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, Span<T> gp,
        int batch, Span<T> scratch)
    {
        Statistics(scratch);
        ReadOnlySpan<T> mu = scratch[..channels], inv = scratch.Slice(channels, channels);
        T n = T.CreateChecked((long)batch * positions);
        var centred = scratch.Slice(2 * channels, positions);
        for (int c = 0; c < channels; c++)
        {
            T m = mu[c], sigma = inv[c], sumDy = T.Zero, sumDyCentred = T.Zero;
            for (int b = 0; b < batch; b++)
            {
                int at = b * InputSize + c * positions;
                var g = dy.Slice(at, positions);
                TensorPrimitives.Subtract(x.Slice(at, positions), m, centred);
                sumDy += TensorPrimitives.Sum(g);
                sumDyCentred += TensorPrimitives.Dot(g, centred);
            }
            T sumDyXhat = sumDyCentred * sigma;
            if (!gp.IsEmpty && Affine) { gp[c] = sumDyXhat; gp[channels + c] = sumDy; }
            if (dx.IsEmpty) continue;
            T scale = Weight(p, c) * sigma, meanDy = Training ? sumDy / n : T.Zero, meanDyXhat = Training ? sumDyXhat / n : T.Zero;
            for (int b = 0; b < batch; b++)
            {
                int at = b * InputSize + c * positions;
                var d = dx.Slice(at, positions);
                // dx = scale (dy - mean(dy) - (x - mean) sigma mean(dy xhat))
                TensorPrimitives.Subtract(x.Slice(at, positions), m, d);
                TensorPrimitives.MultiplyAdd(d, -sigma * meanDyXhat, dy.Slice(at, positions), d);
                TensorPrimitives.Subtract(d, meanDy, d);
                TensorPrimitives.Multiply(d, scale, d);
            }
        }
    }

    void RequireEval()
    {
        if (Training) throw new InvalidOperationException("BatchNorm's curvature passes run in eval mode only");
    }

    /// <summary>ry = rx w / sigma + xhat vw + vb.</summary>
    public override void ForwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        Span<T> ry, int batch, Span<T> scratch)
    {
        RequireEval();
        Statistics(scratch);
        ReadOnlySpan<T> mu = scratch[..channels], inv = scratch.Slice(channels, channels);
        for (int b = 0; b < batch; b++)
        for (int c = 0; c < channels; c++)
        {
            T m = mu[c], sigma = inv[c], s = sigma * Weight(p, c);
            T vw = Affine ? vp[c] : T.Zero, vb = Affine ? vp[channels + c] : T.Zero;
            int at = b * InputSize + c * positions;
            var xs = x.Slice(at, positions);
            var r = ry.Slice(at, positions);
            if (rx.IsEmpty)
                for (int i = 0; i < positions; i++) r[i] = (xs[i] - m) * sigma * vw + vb;
            else
            {
                var rs = rx.Slice(at, positions);
                for (int i = 0; i < positions; i++) r[i] = rs[i] * s + (xs[i] - m) * sigma * vw + vb;
            }
        }
    }

    /// <summary>y is bilinear in (x, w): r2y = r2x w / sigma + 2 rx vw / sigma.</summary>
    public override bool ForwardR2(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> r2x, Span<T> r2y, int batch, Span<T> scratch)
    {
        RequireEval();
        if (rx.IsEmpty && r2x.IsEmpty) return false;
        Statistics(scratch);
        ReadOnlySpan<T> inv = scratch.Slice(channels, channels);
        T two = T.CreateChecked(2);
        for (int b = 0; b < batch; b++)
        for (int c = 0; c < channels; c++)
        {
            T s = inv[c] * Weight(p, c), cross = Affine ? two * inv[c] * vp[c] : T.Zero;
            int at = b * InputSize + c * positions;
            var r = r2y.Slice(at, positions);
            for (int i = 0; i < positions; i++)
                r[i] = (r2x.IsEmpty ? T.Zero : r2x[at + i] * s) + (rx.IsEmpty ? T.Zero : rx[at + i] * cross);
        }
        return true;
    }

    /// <summary>rdx = rdy w / sigma + dy vw / sigma; hw = sum (rdy xhat + dy rx / sigma); hb = sum rdy.</summary>
    public override void BackwardR(ReadOnlySpan<T> p, ReadOnlySpan<T> vp, ReadOnlySpan<T> x, ReadOnlySpan<T> rx,
        ReadOnlySpan<T> dy, ReadOnlySpan<T> rdy, Span<T> rdx, Span<T> hp, int batch, Span<T> scratch)
    {
        RequireEval();
        Statistics(scratch);
        ReadOnlySpan<T> mu = scratch[..channels], inv = scratch.Slice(channels, channels);
        for (int c = 0; c < channels; c++)
        {
            T m = mu[c], sigma = inv[c], s = sigma * Weight(p, c), vs = Affine ? vp[c] * sigma : T.Zero;
            T hw = T.Zero, hb = T.Zero;
            for (int b = 0; b < batch; b++)
            {
                int at = b * InputSize + c * positions;
                var xs = x.Slice(at, positions);
                var g = dy.Slice(at, positions);
                var rg = rdy.Slice(at, positions);
                for (int i = 0; i < positions; i++)
                {
                    hw += rg[i] * (xs[i] - m) * sigma + (rx.IsEmpty ? T.Zero : g[i] * rx[at + i] * sigma);
                    hb += rg[i];
                }
                if (rdx.IsEmpty) continue;
                var r = rdx.Slice(at, positions);
                for (int i = 0; i < positions; i++) r[i] = rg[i] * s + g[i] * vs;
            }
            if (Affine && !hp.IsEmpty) { hp[c] = hw; hp[channels + c] = hb; }
        }
    }
}
