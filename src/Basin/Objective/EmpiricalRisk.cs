using System.Numerics;
using System.Numerics.Tensors;
using Basin.Data;
using Basin.Engine;
using Basin.Engine.Layers;
using Basin.Engine.Losses;
using Basin.Tensors;

namespace Basin.Objective;

/// <summary>
/// Network + data + loss: the mean loss over a whole data set, its gradient, exact Hessian-vector and
/// Gauss-Newton-vector products, and per-example gradients. The data are cut into fixed shards of
/// <see cref="BatchSize"/> examples; shards run in parallel and their sums are reduced in shard order (losses
/// in float64), so results are bit-identical whatever the thread count.
/// </summary>
public sealed partial class EmpiricalRisk<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Shards computed between two ordered reductions; fixed so the order never depends on threads.</summary>
    internal const int WaveSize = 8;

    internal enum Pass { Loss, Gradient, HessianVector, GaussNewtonVector, HessianQuadratic, GaussNewtonQuadratic }

    /// <summary>Whether a pass sums a vector per shard (gradient, Hv, Gv) rather than only scalars.</summary>
    static bool IsVector(Pass pass) => pass is Pass.Gradient or Pass.HessianVector or Pass.GaussNewtonVector;

    readonly Loss<T> loss;
    // The data's features as stored; read in place when they are float32 values and T is float32, else converted a
    // shard at a time into the workspace running it.
    readonly FeatureStore features;
    readonly ReadOnlyMemory<T> inPlace;
    readonly Targets<T> targets;
    // The examples a pass runs over: the whole set, or a minibatch gathered into the batch buffers.
    bool minibatch;
    Targets<T> activeTargets;
    int activeCount;
    T[] batchFeatures = [];
    int[] batchIndices = [];
    int[]? batchLabels;
    T[]? batchValues;
    readonly Workspace<T>[] workspaces;
    readonly T[] theta, direction;
    readonly T[][] shardVectors = new T[WaveSize][];
    // Per shard: its loss sum, or for the quadratic passes its sum of v^T H_i v.
    double[] shardSum;
    int[] shardCorrect;

    // A training step's pass: BatchNorm normalizes by the minibatch's statistics and updates its running ones.
    bool trainMode;
    Data.Augmentation? augmentation;
    long augmentStep;

    public Network<T> Network { get; }
    public DataSet Data { get; }
    public string LossName => loss.Name;
    public double L2 { get; }
    public int BatchSize { get; }
    public int Threads { get; }
    public int Count => Data.Count;
    public int Dimension => Network.ParameterCount;

    public EmpiricalRisk(Network<T> network, DataSet data, string loss = "ce", double l2 = 0, int batchSize = 256, int threads = 0)
        : this(network, data, loss, l2, batchSize, threads, wholeShards: false) { }

    /// <param name="wholeShards">Keep shards of <paramref name="batchSize"/> however large (a BatchNorm training step's minibatch).</param>
    internal EmpiricalRisk(Network<T> network, DataSet data, string loss, double l2, int batchSize, int threads, bool wholeShards)
    {
        if (network.InputSize != data.InputSize)
            throw new BasinException("model", $"the network takes {network.InputSize} inputs per example but {data.Name} examples have shape {data.ShapeText}");
        if (batchSize <= 0) throw new BasinException("{batch}", $"{batchSize} is not a positive batch size");
        if (data.Count == 0) throw new BasinException("data", $"{data.Name} has no examples");
        Network = network;
        Data = data;
        this.loss = Loss<T>.Create(loss);
        if (this.loss is CrossEntropy<T> && data.Labels is { } labels)
            foreach (int y in labels)
                if (y >= network.OutputSize)
                    throw new BasinException("model", $"label {y} in {data.Name} but the network has only {network.OutputSize} outputs");
        if (this.loss is MeanSquaredError<T> && data.Targets is null && data.Labels is not null && data.Classes > network.OutputSize)
            throw new BasinException("model", $"mse on {data.Classes} classes needs {data.Classes} outputs (one-hot targets), the network has {network.OutputSize}");
        L2 = l2;
        BatchSize = ShardSize(network, data, batchSize, wholeShards);
        Threads = threads <= 0 ? Environment.ProcessorCount : threads;
        MemoryBudget.Require(EstimateBytes(network, data, batchSize, threads, wholeShards), $"{network.ParameterCount:N0} parameters on {data.Count:N0} examples",
            "use a smaller {batch} (examples per shard), fewer {threads}, less data ({n}) or a smaller model");
        features = data.Features;
        if (typeof(T) == typeof(float)) inPlace = (ReadOnlyMemory<T>)(object)features.Values(0, features.Count);
        targets = new Targets<T>(data.Labels, data.Targets is null ? null : Convert(data.Targets), data.TargetSize);
        workspaces = new Workspace<T>[Threads];
        for (int t = 0; t < Threads; t++) workspaces[t] = network.CreateWorkspace(BatchSize);
        theta = new T[Dimension];
        direction = new T[Dimension];
        activeTargets = targets;
        activeCount = data.Count;
        shardSum = new double[Shards];
        shardCorrect = new int[Shards];
    }

    /// <summary>Bytes of one thread's workspace above which shards are cut smaller than asked.</summary>
    const double ShardBytes = 64 << 20;

    /// <summary>
    /// Examples per shard: as asked, but no more than the data, and, unless the shards are kept whole (a BatchNorm
    /// training step's minibatch), for a deep conv net few enough that one thread's activations stay within
    /// <see cref="ShardBytes"/> (ResNet-20 keeps megabytes per example: 500 would be gigabytes, page-faulted in and
    /// streamed from memory).
    /// </summary>
    static int ShardSize(Network<T> network, DataSet data, int batchSize, bool wholeShards)
    {
        int size = Math.Min(batchSize, data.Count);
        if (wholeShards) return size;
        double perExample = network.WorkspaceBytes(1);
        return perExample * size <= ShardBytes ? size : Math.Max(1, Math.Min(size, (int)(ShardBytes / perExample)));
    }

    /// <summary>
    /// Bytes an objective over this data may hold at once: per-thread workspaces, theta and direction, a wave of shard
    /// vectors, a shard's features in T per thread (converted from the data as stored), and the sparse first layer's packed
    /// copies of the data (up to twice its size).
    /// </summary>
    public static double EstimateBytes(Network<T> network, DataSet data, int batchSize, int threads, bool wholeShards = false)
    {
        int batch = Math.Max(1, ShardSize(network, data, batchSize, wholeShards));
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        double workspaces = (threads <= 0 ? Environment.ProcessorCount : threads) * network.WorkspaceBytes(batch);
        double vectors = (2.0 + WaveSize) * network.ParameterCount * size;
        double features = (threads <= 0 ? Environment.ProcessorCount : threads) * (double)batch * data.InputSize * size;
        double packed = network.Layers.Length > 0 && network.Layers[0] is Engine.Layers.Linear<T> ? 2.0 * data.Count * data.InputSize * size : 0;
        return workspaces + vectors + features + packed;
    }

    static T[] Convert(float[] x)
    {
        var r = new T[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = T.CreateChecked(x[i]);
        return r;
    }

    /// <summary>
    /// The features of examples [start, start + count) of the data in T: in place when stored so, else converted into
    /// the workspace's own input buffer (a kept linearization's workspace keeps its shard's).
    /// </summary>
    ReadOnlyMemory<T> Inputs(int start, int count, Workspace<T> ws)
    {
        int width = Network.InputSize;
        if (!inPlace.IsEmpty) return inPlace.Slice(start * width, count * width);
        var buffer = ws.OwnInput(count * width);
        features.CopyTo(start, count, buffer.Span);
        return buffer;
    }

    int Shards => (activeCount + BatchSize - 1) / BatchSize;

    /// <summary>Rows of converted input per block in a pass that reads its input only in a dense first linear layer.</summary>
    const int InputBlockRows = 64;

    void CheckLength<TV>(ReadOnlySpan<TV> x, string name)
    {
        if (x.Length != Dimension)
            throw new ArgumentException($"{name} has length {x.Length}, the network has {Dimension} parameters");
    }

    /// <summary>
    /// With a source set, every evaluation first recomputes BatchNorm's running statistics at its theta by train-mode
    /// passes over the source's data (dnn-mode-connectivity's update_bn), instead of keeping the model's.
    /// </summary>
    internal EmpiricalRisk<T>? BatchNormSource { get; set; }

    public Evaluation Evaluate(ReadOnlySpan<T> theta)
    {
        BatchNormSource?.RecomputeRunningStatistics(theta);
        var (l, correct) = Remote is null ? Run(Pass.Loss, theta, default, default) : RemotePass(Pass.Loss, theta, default);
        return new Evaluation(l, Data.Labels is null ? double.NaN : (double)correct / Count, Count);
    }

    /// <summary>Writes the gradient of the mean loss; returns the loss.</summary>
    public double Gradient(ReadOnlySpan<T> theta, Span<T> gradient) =>
        (Remote is null ? Run(Pass.Gradient, theta, default, gradient) : RemotePass(Pass.Gradient, theta, gradient)).Loss;

    /// <summary>H v, exact, by the R-operator.</summary>
    public void HessianVectorProduct(ReadOnlySpan<T> theta, ReadOnlySpan<T> v, Span<T> hv) => Run(Pass.HessianVector, theta, v, hv);

    /// <summary>
    /// H v with v and the product in float64 (the curvature estimators' vectors), converted on the way in and, chunk by
    /// chunk in the final reduction, on the way out: no T copies of either vector. <paramref name="fixedTheta"/> is an
    /// array its caller never writes, so consecutive products at it skip copying and comparing theta.
    /// </summary>
    internal void HessianVectorProduct(T[] fixedTheta, ReadOnlySpan<double> v, Span<double> hv) => Run(Pass.HessianVector, fixedTheta, v, hv, fixedTheta);

    /// <summary>G v = J^T H_loss J v (+ l2 v), the generalized Gauss-Newton product.</summary>
    public void GaussNewtonVectorProduct(ReadOnlySpan<T> theta, ReadOnlySpan<T> v, Span<T> gv) => Run(Pass.GaussNewtonVector, theta, v, gv);

    internal void GaussNewtonVectorProduct(T[] fixedTheta, ReadOnlySpan<double> v, Span<double> gv) => Run(Pass.GaussNewtonVector, fixedTheta, v, gv, fixedTheta);

    /// <summary>
    /// v^T H v, exact, by a second-order forward pass (Taylor mode): the curvature of the loss along v, at about
    /// half the cost of <see cref="HessianVectorProduct(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/> and a dot product.
    /// Hutchinson's trace needs only this.
    /// </summary>
    public double HessianQuadraticForm(ReadOnlySpan<T> theta, ReadOnlySpan<T> v) => Run(Pass.HessianQuadratic, theta, v, Span<T>.Empty).Loss;

    internal double HessianQuadraticForm(T[] fixedTheta, ReadOnlySpan<double> v) => Run(Pass.HessianQuadratic, fixedTheta, v, Span<double>.Empty, fixedTheta).Loss;

    /// <summary>v^T G v = mean_i (J_i v)^T H_loss (J_i v) (+ l2 ||v||^2), from one R-forward pass.</summary>
    public double GaussNewtonQuadraticForm(ReadOnlySpan<T> theta, ReadOnlySpan<T> v) => Run(Pass.GaussNewtonQuadratic, theta, v, Span<T>.Empty).Loss;

    internal double GaussNewtonQuadraticForm(T[] fixedTheta, ReadOnlySpan<double> v) => Run(Pass.GaussNewtonQuadratic, fixedTheta, v, Span<double>.Empty, fixedTheta).Loss;

    (double Loss, long Correct) Run(Pass pass, ReadOnlySpan<T> theta, ReadOnlySpan<T> v, Span<T> result) => Run<T>(pass, theta, v, result);

    // The last caller's theta when it was an array its caller never writes (a curvature operator's copy).
    T[]? fixedTheta;

    /// <summary>Copies theta in, unless it is the fixed array the previous call already copied.</summary>
    void SetTheta(ReadOnlySpan<T> theta, T[]? fixedSource = null)
    {
        bool same = fixedSource is not null && ReferenceEquals(fixedSource, fixedTheta);
        fixedTheta = fixedSource;
        if (same) return;
        CheckLength(theta, "theta");
        theta.CopyTo(this.theta);
    }

    /// <summary>One pass over the data; v and result are vectors of TV (T, or float64 converted to and from T).</summary>
    /// <remarks>
    /// A range pass returns its unnormalized sums; with <paramref name="waveSums"/> it also leaves each wave's summed shard
    /// vector there (wave k of the range in waveSums[k]) instead of reducing into result: <see cref="Merge{TV}"/> of a
    /// pass's waves, however they were shared out, gives the full pass's bits.
    /// </remarks>
    (double Loss, long Correct) Run<TV>(Pass pass, ReadOnlySpan<T> theta, ReadOnlySpan<TV> v, Span<TV> result, T[]? fixedSource = null,
        (int From, int To)? range = null, T[][]? waveSums = null) where TV : unmanaged, INumberBase<TV>
    {
        Network.Buffers.Training = trainMode;
        Executor.Budget = Threads;
        SetTheta(theta, fixedSource);
        bool vector = IsVector(pass);
        bool quadratic = pass is Pass.HessianQuadratic or Pass.GaussNewtonQuadratic;
        if (pass is not (Pass.Loss or Pass.Gradient)) SetDirection(v);
        if (vector)
        {
            if (waveSums is null) CheckLength<TV>(result, "result");
            for (int s = 0; s < WaveSize; s++) shardVectors[s] ??= new T[Dimension];
        }
        double total = 0;
        long correct = 0;
        var kept = pass is Pass.HessianVector || quadratic ? Linearization(theta, fixedSource) : null;
        // A kept linearization that is complete runs no forward pass, so theta's weights need no packing.
        PrepareSparseInput(withWeights: kept is null || Array.IndexOf(linearizedShards!, false) >= 0,
            withDirection: pass is not (Pass.Loss or Pass.Gradient));
        var (from, to) = range ?? (0, Shards);
        // Vector passes keep one buffer per shard of a wave; the loss pass needs none and runs as one wave.
        int waveSize = vector ? WaveSize : to - from;
        for (int wave = from; wave < to; wave += waveSize)
        {
            int count = Math.Min(waveSize, to - wave);
            int first = wave;
            var shards = new Wave(this, pass, first, count, Threads == 1 || count == 1 ? 1 : Math.Min(Threads, count), kept);
            claimedShards = 0;
            if (shards.Threads == 1) shards.Run(0);
            else Executor.Run(shards.Threads, shards);
            for (int s = 0; s < count; s++)
            {
                total += shardSum[first + s];
                correct += shardCorrect[first + s];
            }
            if (vector && waveSums is not null) Reduce<TV>(pass, shardVectors, count, waveSums[(wave - from) / WaveSize], starts: false, last: false, []);
            else if (vector) Reduce(pass, shardVectors, count, null, first == from, last: range is null && wave + waveSize >= to, result);
        }
        return range is not null ? (total, correct) : Normalized(pass, total, correct);
    }

    void SetDirection<TV>(ReadOnlySpan<TV> v) where TV : unmanaged, INumberBase<TV>
    {
        CheckLength(v, "v");
        if (typeof(TV) == typeof(T)) System.Runtime.InteropServices.MemoryMarshal.Cast<TV, T>(v).CopyTo(direction);
        else ConvertOnTeam(v, direction);
    }

    /// <summary>A full pass's mean loss (+ l2) or quadratic form (+ l2 ||v||^2) from the sum over its shards.</summary>
    (double Loss, long Correct) Normalized(Pass pass, double total, long correct)
    {
        bool quadratic = pass is Pass.HessianQuadratic or Pass.GaussNewtonQuadratic;
        double n = activeCount;
        double l = total / n;
        if (quadratic)
            return (L2 == 0 ? l : l + L2 * double.CreateTruncating(TensorPrimitives.Dot<T>(direction, direction)), 0);
        if (L2 != 0)
        {
            double sq = 0;
            foreach (var w in this.theta) sq += double.CreateTruncating(w * w);
            l += 0.5 * L2 * sq;
        }
        return (l, correct);
    }

    /// <summary>to = (T)from for one chunk.</summary>
    readonly unsafe struct Conversion<TV>(TV* from, T[] to) : IChunkBody where TV : unmanaged, INumberBase<TV>
    {
        public void Run(int lo, int length) => TensorPrimitives.ConvertTruncating<TV, T>(new ReadOnlySpan<TV>(from + lo, length), to.AsSpan(lo, length));
    }

    /// <summary>to = (T)from, chunks shared out to the team (a memory-bound pass over a vector of every parameter).</summary>
    unsafe void ConvertOnTeam<TV>(ReadOnlySpan<TV> from, T[] to) where TV : unmanaged, INumberBase<TV>
    {
        fixed (TV* pf = from) Executor.ForChunks(to.Length, Threads, new Conversion<TV>(pf, to));
    }

    T[]? sum;

    /// <summary>
    /// Sums the first <paramref name="count"/> of a wave's shard vectors in shard order (into the first; with
    /// <paramref name="waveSum"/>, that sum is the result),
    /// and result (+)= the wave's sum, then after the last wave the 1/N scale and the l2 term, in fixed chunks of elements
    /// shared out to the team, so the bits do not depend on the thread count. A float64 result is summed in T, as any
    /// other, and each chunk converted once done.
    /// </summary>
    unsafe void Reduce<TV>(Pass pass, T[][] vectors, int count, T[]? waveSum, bool starts, bool last, Span<TV> result) where TV : unmanaged, INumberBase<TV>
    {
        bool converted = typeof(TV) != typeof(T);
        if (converted) sum ??= new T[Dimension];
        fixed (TV* pr = result)
        fixed (T* ps = sum)
        fixed (T* pw = waveSum)
            Executor.ForChunks(Dimension, Threads, new Reduction<TV>(this, vectors, pass == Pass.Gradient ? theta : direction, count, starts, last,
                waveSum is not null ? pw : converted ? ps : (T*)pr, waveSum is not null, converted ? pr : null));
    }

    /// <summary>
    /// One chunk of <see cref="Reduce{TV}"/>: sums the wave's shard vectors, then (unless only the wave's sum is asked for)
    /// adds it into the sums (the first wave of a pass starting them), and after the last wave of a full pass scales by 1/N,
    /// adds l2 and converts.
    /// </summary>
    readonly unsafe struct Reduction<TV>(EmpiricalRisk<T> risk, T[][] vectors, T[] l2Of, int count, bool starts, bool last, T* into, bool waveOnly,
        TV* converted) : IChunkBody where TV : unmanaged, INumberBase<TV>
    {
        public void Run(int lo, int length)
        {
            var r = new Span<T>(into + lo, length);
            var wave = vectors[0].AsSpan(lo, length);
            for (int s = 1; s < count; s++) TensorPrimitives.Add(wave, vectors[s].AsSpan(lo, length), wave);
            if (waveOnly) { wave.CopyTo(r); return; }
            if (starts) wave.CopyTo(r);
            else TensorPrimitives.Add(r, wave, r);
            if (!last) return;
            TensorPrimitives.Multiply(r, T.One / T.CreateChecked(risk.activeCount), r);
            if (risk.L2 != 0) TensorPrimitives.MultiplyAdd(l2Of.AsSpan(lo, length), T.CreateChecked(risk.L2), r, r);
            if (converted != null) TensorPrimitives.ConvertTruncating<T, TV>(r, new Span<TV>(converted + lo, length));
        }
    }

    // Hessian-vector products at one theta (Lanczos, Hutchinson, power iteration) share the forward activations
    // and the plain deltas of every shard: they are kept per shard when they fit in LinearizationBudget.
    internal long LinearizationBudget { get; set; } = 256L << 20;
    Workspace<T>[]? linearized;
    bool[]? linearizedShards;
    T[]? linearizedTheta, linearizedFixed;

    /// <summary>
    /// Per-shard workspaces holding the linearization at theta, or null when they would not fit. A fixed theta array
    /// (see <see cref="SetTheta"/>) already found equal to the kept one is not compared again.
    /// </summary>
    Workspace<T>[]? Linearization(ReadOnlySpan<T> theta, T[]? fixedSource)
    {
        if (minibatch) return null;
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        // A kept workspace is a whole one (a residual block's state is many times its output), with its converted input
        // when the data are not read in place.
        double perShard = Network.WorkspaceBytes(BatchSize) + (inPlace.IsEmpty ? (double)Network.InputSize * BatchSize * size : 0);
        if (perShard * Shards > LinearizationBudget) return null;
        if (linearized is null)
        {
            linearized = new Workspace<T>[Shards];
            for (int s = 0; s < Shards; s++) linearized[s] = Network.CreateWorkspace(BatchSize);
            linearizedShards = new bool[Shards];
            linearizedTheta = new T[Dimension];
        }
        if ((fixedSource is null || !ReferenceEquals(fixedSource, linearizedFixed)) && !theta.SequenceEqual(linearizedTheta))
        {
            theta.CopyTo(linearizedTheta);
            Array.Clear(linearizedShards!);
        }
        linearizedFixed = fixedSource;
        return linearized;
    }

    /// <summary>H v or v^T H v on one shard from its kept linearization, filling it first if needed.</summary>
    void LinearizedShard(Pass pass, int shard, int slot, Workspace<T> ws)
    {
        int start = shard * BatchSize, batch = Math.Min(BatchSize, activeCount - start), width = Network.OutputSize;
        var z = ws.Output(batch);
        if (!linearizedShards![shard])
        {
            ForwardLoss(shard, start, batch, ws, ws.OutputDelta(batch));
            Network.Backward(theta, batch, ws, Span<T>.Empty);
            linearizedShards[shard] = true;
        }
        // The shard's zero pattern may have been found after its linearization was kept.
        ws.SetInput(ws.Input, PatternOf(shard), PackedOf(shard));
        UsePanels(ws);
        Network.ForwardR(theta, direction, batch, ws);
        if (pass != Pass.HessianVector)
        {
            shardSum[shard] = Quadratic(pass, batch, ws);
            return;
        }
        loss.HessianProduct(z, ws.ROutput(batch), ws.ROutputDelta(batch), batch, width);
        Network.BackwardR(theta, direction, batch, ws, shardVectors[slot], deltasKnown: true);
    }

    /// <summary>
    /// sum_i v^T H_i v of one shard after the R-forward: rz^T H_loss rz (the Gauss-Newton part) plus, for the
    /// Hessian, g . d^2z/dt^2 from the second-order forward pass, with g the loss gradient at the output.
    /// </summary>
    double Quadratic(Pass pass, int batch, Workspace<T> ws)
    {
        int width = Network.OutputSize;
        double q = loss.Curvature(ws.Output(batch), ws.ROutput(batch), batch, width);
        if (pass == Pass.HessianQuadratic && Network.ForwardR2(theta, direction, batch, ws))
        {
            var g = ws.OutputDelta(batch);
            var r2z = ws.R2Output(batch);
            for (int i = 0; i < g.Length; i++) q += double.CreateTruncating(g[i]) * double.CreateTruncating(r2z[i]);
        }
        return q;
    }

    /// <summary>
    /// Forward pass of one shard, its loss and correct count; the loss gradient goes to dz unless it is empty. A pass
    /// after which nothing reads the input (<paramref name="inputRead"/> false) converts it for a dense first linear
    /// layer a block of rows at a time: the same products, without the whole shard's copy.
    /// </summary>
    void ForwardLoss(int shard, int start, int batch, Workspace<T> ws, Span<T> dz, bool inputRead = true)
    {
        int width = Network.OutputSize;
        int inputs = Network.InputSize;
        if (minibatch) GatherMinibatch(start, batch);
        UsePanels(ws);
        if (!inputRead && !minibatch && inPlace.IsEmpty && PatternOf(shard) is null && Network.Layers[0] is Linear<T> first)
        {
            ws.SetInput(ReadOnlyMemory<T>.Empty);
            var y = ws.Out(0, batch);
            for (int r = 0; r < batch; r += InputBlockRows)
            {
                int rows = Math.Min(InputBlockRows, batch - r);
                var x = ws.InputBlock(rows * inputs);
                features.CopyTo(start + r, rows, x);
                first.Forward(theta.AsSpan(0, first.ParameterCount), x, y.Slice(r * first.OutputSize, rows * first.OutputSize), rows, ws.ScratchOf(0));
            }
            Network.ForwardRange(theta, 1, Network.Layers.Length, batch, ws);
        }
        else
            Network.Forward(theta, minibatch ? batchFeatures.AsMemory(start * inputs, batch * inputs) : Inputs(start, batch, ws), batch, ws, PatternOf(shard), PackedOf(shard));
        var z = ws.Output(batch);
        shardSum[shard] = loss.Forward(z, activeTargets, start, batch, width, dz);
        shardCorrect[shard] = activeTargets.Labels is not { } labels ? 0 : Loss<T>.Correct(z, labels.AsSpan(start, batch), batch, width);
    }

    void Shard(Pass pass, int shard, int slot, Workspace<T> ws)
    {
        int start = shard * BatchSize, batch = Math.Min(BatchSize, activeCount - start);
        int width = Network.OutputSize;
        ForwardLoss(shard, start, batch, ws, pass is Pass.Loss or Pass.GaussNewtonQuadratic ? Span<T>.Empty : ws.OutputDelta(batch), inputRead: pass != Pass.Loss);
        if (pass == Pass.Loss) return;
        if (pass is Pass.HessianQuadratic or Pass.GaussNewtonQuadratic)
        {
            Network.ForwardR(theta, direction, batch, ws);
            shardSum[shard] = Quadratic(pass, batch, ws);
            return;
        }
        var z = ws.Output(batch);
        var g = shardVectors[slot].AsSpan();
        switch (pass)
        {
            case Pass.Gradient:
                Network.Backward(theta, batch, ws, g);
                break;
            case Pass.HessianVector:
                Network.ForwardR(theta, direction, batch, ws);
                loss.HessianProduct(z, ws.ROutput(batch), ws.ROutputDelta(batch), batch, width);
                Network.BackwardR(theta, direction, batch, ws, g);
                break;
            case Pass.GaussNewtonVector:
                Network.ForwardR(theta, direction, batch, ws);
                loss.HessianProduct(z, ws.ROutput(batch), ws.OutputDelta(batch), batch, width);
                Network.Backward(theta, batch, ws, g);
                break;
        }
    }
}
