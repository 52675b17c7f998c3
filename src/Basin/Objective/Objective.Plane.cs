using System.Numerics;
using System.Numerics.Tensors;
using Basin.Engine;
using Basin.Engine.Losses;

namespace Basin.Objective;

/// <summary>Many points of a plane in parameter space per pass over the data (the surface evaluator).</summary>
public sealed partial class Objective<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    T[][]? planeBuffers;

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
        planeBuffers ??= new T[Threads][];
        var losses = new double[points * Shards];
        var corrects = new int[points * Shards];
        var ak2 = a.ToArray();
        var bk2 = b.ToArray();

        void Shard(int shard, Workspace<T> ws, T[] buffers)
        {
            int start = shard * BatchSize, batch = Math.Min(BatchSize, Count - start);
            int size = batch * Network.Layers[f].OutputSize;
            ws.SetInput(features.AsMemory(start * Network.InputSize, batch * Network.InputSize));
            Network.ForwardRange(this.theta, 0, f, batch, ws);
            var layer = Network.Layers[f];
            var z0 = buffers.AsSpan(0, size);
            var zx = buffers.AsSpan(width, size);
            var zy = buffers.AsSpan(2 * width, size);
            int p0 = Network.Offset(f), p1 = tailStart;
            layer.Forward(this.theta.AsSpan(p0, p1 - p0), ws.In(f, batch), z0, batch, ws.Scratch);
            layer.Forward(dirX.AsSpan(p0, p1 - p0), ws.In(f, batch), zx, batch, ws.Scratch);
            if (plane) layer.Forward(dirY.AsSpan(p0, p1 - p0), ws.In(f, batch), zy, batch, ws.Scratch);
            // The later layers run on blocks of rows small enough that Z0, Zx, Zy and the activations stay in cache.
            int outputs = Network.OutputSize, zWidth = layer.OutputSize;
            for (int r0 = 0; r0 < batch; r0 += PlaneBlock)
            {
                int rows = Math.Min(PlaneBlock, batch - r0);
                for (int k = 0; k < points; k++)
                {
                    var z = ws.Out(f, rows);
                    TensorPrimitives.MultiplyAdd(zx.Slice(r0 * zWidth, rows * zWidth), T.CreateChecked(ak2[k]), z0.Slice(r0 * zWidth, rows * zWidth), z);
                    if (plane) TensorPrimitives.MultiplyAdd(zy.Slice(r0 * zWidth, rows * zWidth), T.CreateChecked(bk2[k]), z, z);
                    Network.ForwardTail(tails.AsSpan(k * tailLength, tailLength), f + 1, rows, ws);
                    var y = ws.Output(rows);
                    // Shard-major results: each thread writes its own cache lines.
                    losses[shard * points + k] += loss.Forward(y, targets, start + r0, rows, outputs, Span<T>.Empty);
                    if (Data.Labels is not null) corrects[shard * points + k] += Loss<T>.Correct(y, Data.Labels.AsSpan(start + r0, rows), rows, outputs);
                }
            }
        }

        int threads = Math.Min(Threads, Shards);
        for (int t = 0; t < threads; t++) planeBuffers[t] ??= new T[3 * width];
        WorkerTeam.Run(threads, t =>
        {
            for (int shard = t; shard < Shards; shard += threads) Shard(shard, workspaces[t], planeBuffers[t]);
        });

        // ||theta + a dx + b dy||^2 from six dot products, for the l2 term.
        double tt = 0, xx = 0, yy = 0, tx = 0, ty = 0, xy = 0;
        if (L2 != 0)
            for (int i = 0; i < Dimension; i++)
            {
                double w = double.CreateTruncating(this.theta[i]), u = double.CreateTruncating(dirX[i]), v = double.CreateTruncating(dirY[i]);
                tt += w * w; xx += u * u; yy += v * v; tx += w * u; ty += w * v; xy += u * v;
            }
        for (int k = 0; k < points; k++)
        {
            double total = 0;
            long correct = 0;
            for (int shard = 0; shard < Shards; shard++) { total += losses[shard * points + k]; correct += corrects[shard * points + k]; }
            double l = total / Count;
            if (L2 != 0)
            {
                double ak = a[k], bk = b[k];
                l += 0.5 * L2 * (tt + ak * ak * xx + bk * bk * yy + 2 * ak * tx + 2 * bk * ty + 2 * ak * bk * xy);
            }
            results[k] = new Evaluation(l, Data.Labels is null ? double.NaN : (double)correct / Count, Count);
        }
    }
}
