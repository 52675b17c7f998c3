using System.Numerics;
using Basin.Engine;
using Basin.Objective;

namespace Basin.Devices;

/// <summary>
/// A risk's full passes on a device, as its remote: the loss, gradient and Hessian- or Gauss-Newton-vector products (and
/// their quadratic forms) at a point, summed per shard and per wave as the CPU engine's shards would be, which the risk
/// then merges and normalizes as it does a cluster's; and a training step's minibatch gradient, its examples gathered
/// on the device by index. Sums agree with the CPU engine's to float32 rounding, not bit for
/// bit; they are the same bits every run (fixed orders, no atomics).
/// </summary>
/// <param name="theta">The point passes run at unless one is given (null: passes always name theirs, as training's do).</param>
internal sealed class DevicePasses(DeviceRisk risk, float[]? theta) : IRemoteRisk, IRemoteMinibatch, IDisposable
{
    // Made on the first pass: a surface that only evaluates never needs its tape.
    DeviceBackprop? backprop;
    readonly IBackend backend = risk.Backend;
    // A training step with BatchNorm runs in train mode.
    readonly bool trainMode = DeviceSteps.Flat(risk.Network).OfType<DeviceSteps.Norm>().Any();
    readonly DeviceBuffer<float> origin = theta is null ? default : risk.Backend.Upload(theta);
    readonly DeviceBuffer<float> vector = risk.Backend.Allocate<float>(risk.Parameters);
    DeviceBuffer<double> shardSums, total;
    // A pass's point and direction when it names them (a training step's theta), uploaded into buffers kept from pass to pass.
    DeviceBuffer<float> moved, direction;

    public string Name => "{device}";

    /// <summary>The point on the device, when the passes were given one.</summary>
    public DeviceBuffer<float> Origin => origin;

    /// <summary>Another point on the device the passes run at while set (a surface cell's, for its curvature), instead of <see cref="Origin"/>.</summary>
    public DeviceBuffer<float>? Point { get; set; }

    public IReadOnlyList<ShardSums<T>> Sum<T>(EmpiricalRisk<T>.Pass pass, double[]? at, double[] v, int waves, int shardSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float)) throw new BasinException("{device}", "the CUDA backend computes in float32", "leave {dtype} float64 out, or use {device} cpu");
        int count = risk.Count, shards = (count + shardSize - 1) / shardSize, waveSize = EmpiricalRisk<T>.WaveSize;
        if ((shards + waveSize - 1) / waveSize != waves) throw new ArgumentException($"{waves} waves of {shards} shards");
        var weights = at is not null ? Upload(ref moved, at)
            : Point ?? (origin.Exists ? origin : throw new ArgumentNullException(nameof(at), "the passes hold no point"));
        var along = v.Length == 0 ? vector.Empty : Upload(ref direction, v);
        var backprop = this.backprop ??= new DeviceBackprop(risk);
        var loss = new double[shards];
        var waveSums = new List<T[]>();
        switch (pass)
        {
            case EmpiricalRisk<T>.Pass.Loss:
                backprop.Run(DevicePass.Loss, weights, along, 0, count, vector);
                break;
            case EmpiricalRisk<T>.Pass.HessianQuadratic or EmpiricalRisk<T>.Pass.GaussNewtonQuadratic:
                var product = pass == EmpiricalRisk<T>.Pass.HessianQuadratic ? DevicePass.HessianVector : DevicePass.GaussNewtonVector;
                for (int s = 0; s < shards; s++)
                {
                    backprop.Run(product, weights, along, s * shardSize, Math.Min(shardSize, count - s * shardSize), vector);
                    var hv = backend.Download(vector);
                    for (int i = 0; i < hv.Length; i++) loss[s] += v[i] * hv[i];
                }
                break;
            default:
                var vectorPass = pass switch
                {
                    EmpiricalRisk<T>.Pass.Gradient => DevicePass.Gradient,
                    EmpiricalRisk<T>.Pass.HessianVector => DevicePass.HessianVector,
                    _ => DevicePass.GaussNewtonVector,
                };
                for (int w = 0; w < waves; w++)
                {
                    int from = w * waveSize * shardSize, to = Math.Min(count, (w + 1) * waveSize * shardSize);
                    backprop.Run(vectorPass, weights, along, from, to - from, vector);
                    waveSums.Add((T[])(object)backend.Download(vector));
                }
                break;
        }
        var sums = Shards(backprop.Losses, shards, shardSize);
        var correct = Shards(backprop.Correct, shards, shardSize);
        bool quadratic = pass is EmpiricalRisk<T>.Pass.HessianQuadratic or EmpiricalRisk<T>.Pass.GaussNewtonQuadratic;
        return [new ShardSums<T>(0, quadratic ? loss : sums, Array.ConvertAll(correct, c => (int)c), [.. waveSums])];
    }

    public double SumGradient(double[] at, int[] indices, double[] gradientSum, double[] batchStatistics, Data.ImageCrops? crops)
    {
        var backprop = this.backprop ??= new DeviceBackprop(risk);
        if (!total.Exists) total = backend.Allocate<double>(1);
        backprop.Run(DevicePass.Gradient, Upload(ref moved, at), vector.Empty, indices, vector, trainMode, crops);
        if (trainMode) backprop.BatchStatistics(batchStatistics);
        var sum = backend.Download(vector);
        for (int j = 0; j < sum.Length; j++) gradientSum[j] = sum[j];
        backend.Sum(backprop.Losses, total, indices.Length);
        return backend.Download(total)[0];
    }

    /// <summary>
    /// update_bn at a point on the device: <paramref name="network"/>'s BatchNorm running statistics reset, then moved by
    /// one train-mode pass per batch of <see cref="ModelBuffers.RecomputeBatch"/> examples in file order, each batch
    /// weighted equally (PyTorch's momentum=None), by the engine's own update, as the CPU engine recomputes them.
    /// </summary>
    public void RecomputeStatistics(DeviceBuffer<float> at, Network<float> network)
    {
        var backprop = this.backprop ??= new DeviceBackprop(risk);
        var buffers = network.Buffers;
        var batch = new double[buffers.Values.Length];
        buffers.Reset();
        buffers.Cumulative = true;
        try
        {
            for (int start = 0; start < risk.Count; start += ModelBuffers.RecomputeBatch)
            {
                int n = Math.Min(ModelBuffers.RecomputeBatch, risk.Count - start);
                backprop.Run(DevicePass.Loss, at, vector.Empty, [.. Enumerable.Range(start, n)], vector, trainMode: true);
                backprop.BatchStatistics(batch);
                network.TrackBatchStatistics(batch, n);
            }
        }
        finally { buffers.Cumulative = false; }
    }

    /// <summary>A vector of theta's length on the device, in a buffer kept for the next call.</summary>
    DeviceBuffer<float> Upload(ref DeviceBuffer<float> buffer, double[] values)
    {
        if (!buffer.Exists) buffer = backend.Allocate<float>(risk.Parameters);
        backend.CopyFrom(Array.ConvertAll(values, x => (float)x), buffer);
        return buffer;
    }

    /// <summary>Each shard's sum of per-example values on the device, in a fixed order.</summary>
    double[] Shards(DeviceBuffer<double> values, int shards, int shardSize)
    {
        if (!shardSums.Exists || shardSums.Length < shards)
        {
            if (shardSums.Exists) backend.Free(shardSums);
            shardSums = backend.Allocate<double>(shards);
        }
        backend.Sums(values, shardSums, risk.Count, shardSize);
        return backend.Download(shardSums.Take(shards));
    }

    public void Dispose()
    {
        backprop?.Dispose();
        foreach (var buffer in new[] { origin, vector, moved, direction }.Where(b => b.Exists)) backend.Free(buffer);
        foreach (var buffer in new[] { shardSums, total }.Where(b => b.Exists)) backend.Free(buffer);
    }
}
