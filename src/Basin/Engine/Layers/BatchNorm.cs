using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Basin.Tensors;

namespace Basin.Engine.Layers;

/// <summary>
/// BatchNorm1d over [C] and BatchNorm2d over [C,H,W] (PyTorch's eps, momentum and affine). Eval mode normalizes by the
/// running statistics: an affine map per channel, y = (x - mean) / sqrt(var + eps) w + b, with every pass exact. Train
/// mode (a training step) normalizes by the batch's mean and biased variance over examples and positions, keeps them for
/// the backward pass, and updates the running mean and the unbiased variance as PyTorch does; it has no curvature passes.
/// </summary>
internal sealed unsafe class BatchNorm<T> : Layer<T> where T : unmanaged, IFloatingPointIeee754<T>
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

    /// <summary>Batch statistics of channels [c0, c1) (sums in float64), kept in state; the running statistics move toward them.</summary>
    void BatchStatistics(ReadOnlySpan<T> x, int batch, Span<T> state, (long N, double Factor) counted, int c0, int c1)
    {
        var (n, factor) = counted;
        var centred = ThreadBuffers<T>.Columns(positions);
        for (int c = c0; c < c1; c++)
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
        var counted = Training ? Count(batch) : default;
        Statistics(scratch);
        fixed (T* pp = p, px = x, py = y, ps = scratch)
            Run(new Channels(this, Pass.Forward, pp, p.Length, px, null, py, y.Length, ps, null, 0, batch, counted, Threads(batch)));
    }

    /// <summary>
    /// Eval: dx = dy w / sigma. Train (the batch statistics depend on x): dx = w / sigma (dy - mean(dy) - xhat mean(dy xhat)).
    /// Both: gw = sum dy xhat, gb = sum dy, over examples and positions.
    /// </summary>
    public override void Backward(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, Span<T> gp,
        int batch, Span<T> scratch)
    {
        Statistics(scratch);
        fixed (T* pp = p, px = x, pdy = dy, pdx = dx, pg = gp, ps = scratch)
            Run(new Channels(this, Pass.Backward, pp, p.Length, px, pdy, pdx, dx.Length, ps, pg, gp.Length, batch, default, Threads(batch)));
    }

    enum Pass { Forward, Backward }

    /// <summary>
    /// Channels [C w / threads, C (w + 1) / threads) of a pass for worker w: every channel's values (its statistics, its
    /// sums over examples and positions) are one worker's, in the same order as alone, so no bit depends on the split.
    /// </summary>
    readonly struct Channels(BatchNorm<T> layer, Pass pass, T* p, int parameters, T* x, T* dy, T* output, int outputs, T* state, T* gp, int gradients,
        int batch, (long N, double Factor) counted, int threads) : IWorkerBody
    {
        public int Threads => threads;

        public void Run(int worker)
        {
            int c0 = layer.channels * worker / threads, c1 = layer.channels * (worker + 1) / threads, size = batch * layer.InputSize;
            var ps = new ReadOnlySpan<T>(p, parameters);
            var xs = new ReadOnlySpan<T>(x, size);
            var statistics = new Span<T>(state, 2 * layer.channels);
            if (pass == Pass.Forward)
            {
                if (layer.Training) layer.BatchStatistics(xs, batch, statistics, counted, c0, c1);
                layer.Normalize(ps, xs, new Span<T>(output, outputs), batch, statistics, c0, c1);
            }
            else layer.BackwardChannels(ps, xs, new ReadOnlySpan<T>(dy, size), new Span<T>(output, outputs), new Span<T>(gp, gradients), batch, statistics, c0, c1);
        }
    }

    /// <summary>Values a pass must hold before its channels are shared out to the team: below, one thread's work is too short to repay waking them.</summary>
    const int SplitValues = 1 << 16;

    /// <summary>
    /// Workers a pass's channels are shared out to: the team in train mode (a training step's one shard, which runs
    /// alone); eval passes run in shards that already keep every core busy.
    /// </summary>
    int Threads(int batch) => Training && (long)batch * InputSize >= SplitValues ? Math.Min(Executor.Budget, channels) : 1;

    static void Run(Channels body)
    {
        if (body.Threads == 1) body.Run(0);
        else Executor.Run(body.Threads, body);
    }

    void Normalize(ReadOnlySpan<T> p, ReadOnlySpan<T> x, Span<T> y, int batch, ReadOnlySpan<T> state, int c0, int c1)
    {
        ReadOnlySpan<T> mu = state[..channels], inv = state.Slice(channels, channels);
        for (int c = c0; c < c1; c++)
        {
            T m = mu[c], s = inv[c] * Weight(p, c), shift = Affine ? p[channels + c] : T.Zero;
            for (int b = 0; b < batch; b++)
            {
                int at = b * InputSize + c * positions;
                Normalized(x.Slice(at, positions), m, s, shift, y.Slice(at, positions));
            }
        }
    }

    void BackwardChannels(ReadOnlySpan<T> p, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx, Span<T> gp, int batch, ReadOnlySpan<T> state, int c0, int c1)
    {
        ReadOnlySpan<T> mu = state[..channels], inv = state.Slice(channels, channels);
        T n = T.CreateChecked((long)batch * positions);
        var centred = ThreadBuffers<T>.Columns(positions);
        for (int c = c0; c < c1; c++)
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
                InputGradient(x.Slice(at, positions), dy.Slice(at, positions), m, -sigma * meanDyXhat, meanDy, scale, dx.Slice(at, positions));
            }
        }
    }

    /// <summary>y = (x - m) s + shift, in one pass (the three operations of each value in the same order, unfused).</summary>
    static void Normalized(ReadOnlySpan<T> x, T m, T s, T shift, Span<T> y)
    {
        ref T from = ref MemoryMarshal.GetReference(x);
        ref T to = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<T> vm = Vector512.Create(m), vs = Vector512.Create(s), vshift = Vector512.Create(shift);
            for (; i <= x.Length - Vector512<T>.Count; i += Vector512<T>.Count)
                ((Vector512.LoadUnsafe(ref from, (nuint)i) - vm) * vs + vshift).StoreUnsafe(ref to, (nuint)i);
        }
        for (; i < x.Length; i++) y[i] = (x[i] - m) * s + shift;
    }

    /// <summary>dx = ((x - m) k + dy - meanDy) scale, in one pass (the operations of each value in the same order, unfused).</summary>
    static void InputGradient(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, T m, T k, T meanDy, T scale, Span<T> dx)
    {
        ref T from = ref MemoryMarshal.GetReference(x);
        ref T g = ref MemoryMarshal.GetReference(dy);
        ref T to = ref MemoryMarshal.GetReference(dx);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<T> vm = Vector512.Create(m), vk = Vector512.Create(k), vmean = Vector512.Create(meanDy), vscale = Vector512.Create(scale);
            for (; i <= x.Length - Vector512<T>.Count; i += Vector512<T>.Count)
                (((Vector512.LoadUnsafe(ref from, (nuint)i) - vm) * vk + Vector512.LoadUnsafe(ref g, (nuint)i) - vmean) * vscale).StoreUnsafe(ref to, (nuint)i);
        }
        for (; i < x.Length; i++) dx[i] = ((x[i] - m) * k + dy[i] - meanDy) * scale;
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
            var r = ry.Slice(at, positions);
            TensorPrimitives.Subtract(x.Slice(at, positions), m, r);
            TensorPrimitives.Multiply(r, sigma, r);
            TensorPrimitives.Multiply(r, vw, r);
            if (!rx.IsEmpty) TensorPrimitives.MultiplyAdd(rx.Slice(at, positions), s, r, r);
            TensorPrimitives.Add(r, vb, r);
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
            if (rx.IsEmpty) TensorPrimitives.Multiply(r2x.Slice(at, positions), s, r);
            else if (r2x.IsEmpty) TensorPrimitives.Multiply(rx.Slice(at, positions), cross, r);
            else
            {
                TensorPrimitives.Multiply(rx.Slice(at, positions), cross, r);
                TensorPrimitives.MultiplyAdd(r2x.Slice(at, positions), s, r, r);
            }
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
        var centred = ThreadBuffers<T>.Columns(positions);
        for (int c = 0; c < channels; c++)
        {
            T m = mu[c], sigma = inv[c], s = sigma * Weight(p, c), vs = Affine ? vp[c] * sigma : T.Zero;
            T sumRdyCentred = T.Zero, sumDyRx = T.Zero, hb = T.Zero;
            for (int b = 0; b < batch; b++)
            {
                int at = b * InputSize + c * positions;
                var g = dy.Slice(at, positions);
                var rg = rdy.Slice(at, positions);
                if (Affine && !hp.IsEmpty)
                {
                    TensorPrimitives.Subtract(x.Slice(at, positions), m, centred);
                    sumRdyCentred += TensorPrimitives.Dot(rg, centred);
                    if (!rx.IsEmpty) sumDyRx += TensorPrimitives.Dot(g, rx.Slice(at, positions));
                    hb += TensorPrimitives.Sum(rg);
                }
                if (rdx.IsEmpty) continue;
                var r = rdx.Slice(at, positions);
                TensorPrimitives.Multiply(g, vs, r);
                TensorPrimitives.MultiplyAdd(rg, s, r, r);
            }
            if (Affine && !hp.IsEmpty) { hp[c] = (sumRdyCentred + sumDyRx) * sigma; hp[channels + c] = hb; }
        }
    }
}
