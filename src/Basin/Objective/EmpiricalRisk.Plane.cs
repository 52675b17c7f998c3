using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Basin.Engine;
using Basin.Engine.Losses;
using Basin.Tensors;

namespace Basin.Objective;

/// <summary>Many points of a plane in parameter space per pass over the data (the surface evaluator).</summary>
public sealed partial class EmpiricalRisk<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    T[][]? planeBuffers;

    /// <summary>
    /// One call's shards of <see cref="EvaluatePlane"/>, worker t taking shards t, t + threads, ...: the first parametric
    /// layer's Z0, Zx, Zy per shard, then the later layers per point, on blocks of rows.
    /// </summary>
    readonly record struct PlaneJob(EmpiricalRisk<T> Risk, int First, int TailStart, T[] DirX, T[] DirY, bool Plane, double[] A, double[] B,
        T[] Tails, double[] Losses, int[] Corrects, int Threads, PlaneHead? Head, float[]? HeadPoints) : IWorkerBody
    {
        public void Run(int worker)
        {
            using var alone = Executor.OwnThreadOnly(Threads > 1);
            for (int shard = worker; shard < Risk.Shards; shard += Threads) Shard(shard, Risk.workspaces[worker], Risk.planeBuffers![worker]);
        }

        void Shard(int shard, Workspace<T> ws, T[] buffers)
        {
            var network = Risk.Network;
            int points = A.Length, f = First, tailLength = Risk.Dimension - TailStart, width = network.Layers[f].OutputSize * Risk.BatchSize;
            int start = shard * Risk.BatchSize, batch = Math.Min(Risk.BatchSize, Risk.Count - start);
            int size = batch * network.Layers[f].OutputSize;
            ws.SetInput(Risk.Inputs(start, batch, ws));
            network.ForwardRange(Risk.theta, 0, f, batch, ws);
            var layer = network.Layers[f];
            var z0 = buffers.AsSpan(0, size);
            var zx = buffers.AsSpan(width, size);
            var zy = buffers.AsSpan(2 * width, size);
            int p0 = network.Offset(f), p1 = TailStart;
            layer.Forward(Risk.theta.AsSpan(p0, p1 - p0), ws.In(f, batch), z0, batch, ws.ScratchOf(f));
            layer.Forward(DirX.AsSpan(p0, p1 - p0), ws.In(f, batch), zx, batch, ws.ScratchOf(f));
            if (Plane) layer.Forward(DirY.AsSpan(p0, p1 - p0), ws.In(f, batch), zy, batch, ws.ScratchOf(f));
            // The later layers run on blocks of rows small enough that Z0, Zx, Zy and the activations stay in cache.
            int outputs = network.OutputSize, zWidth = layer.OutputSize;
            var labels = Risk.Data.Labels;
            if (Head is not null)
            {
                var worker = MemoryMarshal.Cast<T, float>(buffers.AsSpan(3 * width));
                Head.Transpose(MemoryMarshal.Cast<T, float>(z0), MemoryMarshal.Cast<T, float>(zx), MemoryMarshal.Cast<T, float>(zy), batch, worker);
                var shardLabels = labels.AsSpan(start, batch);
                for (int r0 = 0; r0 < batch; r0 += PlaneBlock)
                    for (int k = 0; k < points; k++)
                        Head.Run(worker, batch, r0, Math.Min(PlaneBlock, batch - r0), (float)A[k], (float)B[k], Plane,
                            HeadPoints.AsSpan(k * Head.PointLength, Head.PointLength), shardLabels, ref Losses[shard * points + k], ref Corrects[shard * points + k]);
                return;
            }
            for (int r0 = 0; r0 < batch; r0 += PlaneBlock)
            {
                int rows = Math.Min(PlaneBlock, batch - r0);
                for (int k = 0; k < points; k++)
                {
                    var z = ws.Out(f, rows);
                    TensorPrimitives.MultiplyAdd(zx.Slice(r0 * zWidth, rows * zWidth), T.CreateChecked(A[k]), z0.Slice(r0 * zWidth, rows * zWidth), z);
                    if (Plane) TensorPrimitives.MultiplyAdd(zy.Slice(r0 * zWidth, rows * zWidth), T.CreateChecked(B[k]), z, z);
                    network.ForwardTail(Tails.AsSpan(k * tailLength, tailLength), f + 1, rows, ws);
                    var y = ws.Output(rows);
                    // Shard-major results: each thread writes its own cache lines.
                    Losses[shard * points + k] += Risk.loss.Forward(y, Risk.targets, start + r0, rows, outputs, Span<T>.Empty);
                    if (labels is not null) Corrects[shard * points + k] += Loss<T>.Correct(y, labels.AsSpan(start + r0, rows), rows, outputs);
                }
            }
        }
    }

    /// <summary>Whether a plane pass may run its per-point layers as one <see cref="PlaneHead"/> (the same bits; off to test that).</summary>
    internal bool FusedPlaneHead { get; set; } = true;

    /// <summary>Rows per block in <see cref="EvaluatePlane"/>'s per-point layers.</summary>
    const int PlaneBlock = 128;

    /// <summary>
    /// Loss and accuracy at the points theta + a_k dx + b_k dy (dy may be empty), all in one pass over the data.
    /// The first layer with parameters is linear in them, so its output there is Z0 + a Zx + b Zy: Z0, Zx and Zy
    /// are computed once per shard and only the later layers run per point.
    /// </summary>
    public void EvaluatePlane(ReadOnlySpan<T> theta, ReadOnlySpan<T> dx, ReadOnlySpan<T> dy, ReadOnlySpan<double> a,
        ReadOnlySpan<double> b, Span<Evaluation> results)
    {
        CheckLength(theta, "theta");
        CheckLength(dx, "dx");
        bool plane = !dy.IsEmpty;
        if (plane) CheckLength(dy, "dy");
        int points = a.Length;
        if (b.Length != points || results.Length < points) throw new ArgumentException("one a, b and result per point");
        int f = Network.FirstParametric;
        if (f < 0) throw new BasinException("model", "the network has no parameters to move");
        // Points one by one where the later layers keep transformed weights per thread: the plane pass interleaves the
        // points shard by shard, and each would transform its weights again at every shard (a ResNet's first layer, all
        // the plane pass saves, is a percent of its work).
        if (!Network.Layers[f].LinearInParameters || BatchNormSource is not null || Network.TransformsWeightsFrom(f + 1))
        {
            EvaluateEach(theta, dx, dy, a, b, results);
            return;
        }
        Network.Buffers.Training = false;
        SetTheta(theta);
        var dirX = dx.ToArray();
        var dirY = plane ? dy.ToArray() : new T[Dimension];
        int tailStart = f + 1 < Network.Layers.Length ? Network.Offset(f + 1) : Dimension, tailLength = Dimension - tailStart;
        var tails = new T[points * tailLength];
        for (int k = 0; k < points; k++)
        {
            T ak = T.CreateChecked(a[k]), bk = T.CreateChecked(b[k]);
            var tail = tails.AsSpan(k * tailLength, tailLength);
            for (int i = 0; i < tailLength; i++)
                tail[i] = this.theta[tailStart + i] + ak * dirX[tailStart + i] + bk * dirY[tailStart + i];
        }
        int width = Network.Layers[f].OutputSize * BatchSize;
        var head = FusedPlaneHead ? PlaneHead.For(Network, f, loss, Data.Labels) : null;
        float[]? headPoints = null;
        if (head is not null)
        {
            headPoints = new float[points * head.PointLength];
            head.PackPoints(MemoryMarshal.Cast<T, float>(tails.AsSpan()), tailLength, points, headPoints);
        }
        int bufferLength = 3 * width + (head?.WorkerLength(BatchSize) ?? 0);
        planeBuffers ??= new T[Threads][];
        var losses = new double[points * Shards];
        var corrects = new int[points * Shards];
        var job = new PlaneJob(this, f, tailStart, dirX, dirY, plane, a.ToArray(), b.ToArray(), tails, losses, corrects, Math.Min(Threads, Shards), head, headPoints);
        for (int t = 0; t < job.Threads; t++)
            if (planeBuffers[t] is null || planeBuffers[t].Length < bufferLength) planeBuffers[t] = new T[bufferLength];
        Executor.Run(job.Threads, job);

        var norm = L2 != 0 ? PlaneNorm.Of<T>(this.theta, dirX, dirY) : default;
        for (int k = 0; k < points; k++)
        {
            double total = 0;
            long correct = 0;
            for (int shard = 0; shard < Shards; shard++) { total += losses[shard * points + k]; correct += corrects[shard * points + k]; }
            double l = total / Count;
            if (L2 != 0) l += 0.5 * L2 * norm.At(a[k], b[k]);
            results[k] = new Evaluation(l, Data.Labels is null ? double.NaN : (double)correct / Count, Count);
        }
    }

    /// <summary>
    /// The points one full pass each: for a network whose first parametric layer is not linear in its parameters, or when
    /// each point's BatchNorm statistics are recomputed first.
    /// </summary>
    void EvaluateEach(ReadOnlySpan<T> theta, ReadOnlySpan<T> dx, ReadOnlySpan<T> dy, ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<Evaluation> results)
    {
        var point = new T[Dimension];
        for (int k = 0; k < a.Length; k++)
        {
            T ak = T.CreateChecked(a[k]), bk = T.CreateChecked(b[k]);
            for (int i = 0; i < point.Length; i++) point[i] = theta[i] + ak * dx[i] + (dy.IsEmpty ? T.Zero : bk * dy[i]);
            results[k] = Evaluate(point);
        }
    }
}
