using System.Numerics;
using Basin.Objective;
using ILGPU;
using ILGPU.Runtime;

namespace Basin.Cuda;

/// <summary>
/// A risk's full passes on the GPU, as its remote: the loss, gradient and Hessian- or Gauss-Newton-vector products (and
/// their quadratic forms) at a point, summed per shard and per wave as the CPU engine's shards would be, which the risk
/// then merges and normalizes as it does a cluster's; and a training step's minibatch gradient, its examples gathered
/// on the device by index. Sums agree with the CPU engine's to float32 rounding, not bit for
/// bit; they are the same bits every run (fixed orders, no atomics).
/// </summary>
/// <param name="theta">The point passes run at unless one is given (null: passes always name theirs, as training's do).</param>
internal sealed class GpuPasses(GpuDevice device, GpuRisk risk, float[]? theta) : IRemoteRisk, IRemoteMinibatch, IDisposable
{
    // Made on the first pass: a surface that only evaluates never needs its tape.
    GpuBackprop? backprop;
    readonly MemoryBuffer1D<float, Stride1D.Dense>? origin = theta is null ? null : device.Accelerator.Allocate1D(theta);
    readonly MemoryBuffer1D<float, Stride1D.Dense> vector = device.Accelerator.Allocate1D<float>(risk.Parameters);
    MemoryBuffer1D<double, Stride1D.Dense>? shardSums, total;
    // A pass's point and direction when it names them (a training step's theta), uploaded into buffers kept from pass to pass.
    MemoryBuffer1D<float, Stride1D.Dense>? moved, direction;

    public string Name => "{device}";

    /// <summary>The point on the device, when the passes were given one.</summary>
    public ArrayView<float> Origin => origin!.View;

    /// <summary>Another point on the device the passes run at while set (a surface cell's, for its curvature), instead of <see cref="Origin"/>.</summary>
    public ArrayView<float>? Point { get; set; }

    public IReadOnlyList<ShardSums<T>> Sum<T>(EmpiricalRisk<T>.Pass pass, double[]? at, double[] v, int waves, int shardSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float)) throw new BasinException("{device}", "the CUDA backend computes in float32", "leave {dtype} float64 out, or use {device} cpu");
        int count = risk.Count, shards = (count + shardSize - 1) / shardSize, waveSize = EmpiricalRisk<T>.WaveSize;
        if ((shards + waveSize - 1) / waveSize != waves) throw new ArgumentException($"{waves} waves of {shards} shards");
        ArrayView<float> weights = at is not null ? Upload(ref moved, at) : Point ?? origin?.View ?? throw new ArgumentNullException(nameof(at), "the passes hold no point");
        ArrayView<float> along = v.Length == 0 ? vector.View.SubView(0, 0) : Upload(ref direction, v);
        var backprop = this.backprop ??= new GpuBackprop(device, risk);
        var loss = new double[shards];
        var waveSums = new List<T[]>();
        switch (pass)
        {
            case EmpiricalRisk<T>.Pass.Loss:
                backprop.Run(GpuPass.Loss, weights, along, 0, count, vector.View);
                break;
            case EmpiricalRisk<T>.Pass.HessianQuadratic or EmpiricalRisk<T>.Pass.GaussNewtonQuadratic:
                var product = pass == EmpiricalRisk<T>.Pass.HessianQuadratic ? GpuPass.HessianVector : GpuPass.GaussNewtonVector;
                for (int s = 0; s < shards; s++)
                {
                    backprop.Run(product, weights, along, s * shardSize, Math.Min(shardSize, count - s * shardSize), vector.View);
                    var hv = vector.GetAsArray1D();
                    for (int i = 0; i < hv.Length; i++) loss[s] += v[i] * hv[i];
                }
                break;
            default:
                var vectorPass = pass switch
                {
                    EmpiricalRisk<T>.Pass.Gradient => GpuPass.Gradient,
                    EmpiricalRisk<T>.Pass.HessianVector => GpuPass.HessianVector,
                    _ => GpuPass.GaussNewtonVector,
                };
                for (int w = 0; w < waves; w++)
                {
                    int from = w * waveSize * shardSize, to = Math.Min(count, (w + 1) * waveSize * shardSize);
                    backprop.Run(vectorPass, weights, along, from, to - from, vector.View);
                    waveSums.Add((T[])(object)vector.GetAsArray1D());
                }
                break;
        }
        var sums = Shards(backprop.Losses, shards, shardSize);
        var correct = Shards(backprop.Correct, shards, shardSize);
        bool quadratic = pass is EmpiricalRisk<T>.Pass.HessianQuadratic or EmpiricalRisk<T>.Pass.GaussNewtonQuadratic;
        return [new ShardSums<T>(0, quadratic ? loss : sums, Array.ConvertAll(correct, c => (int)c), [.. waveSums])];
    }

    public double SumGradient(double[] at, int[] indices, double[] gradientSum, double[] batchStatistics)
    {
        var backprop = this.backprop ??= new GpuBackprop(device, risk);
        total ??= device.Accelerator.Allocate1D<double>(1);
        bool trainMode = GpuSteps.Flat(risk.Network).OfType<GpuSteps.Norm>().Any();
        backprop.Run(GpuPass.Gradient, Upload(ref moved, at), vector.View.SubView(0, 0), indices, vector.View, trainMode);
        if (trainMode) backprop.BatchStatistics(batchStatistics);
        var sum = vector.GetAsArray1D();
        for (int j = 0; j < sum.Length; j++) gradientSum[j] = sum[j];
        device.Kernels.Sum(backprop.Losses, total.View, indices.Length);
        return total.GetAsArray1D()[0];
    }

    /// <summary>A vector of theta's length on the device, in a buffer kept for the next call.</summary>
    ArrayView<float> Upload(ref MemoryBuffer1D<float, Stride1D.Dense>? buffer, double[] values)
    {
        buffer ??= device.Accelerator.Allocate1D<float>(risk.Parameters);
        buffer.View.CopyFromCPU(Array.ConvertAll(values, x => (float)x));
        return buffer.View;
    }

    /// <summary>Each shard's sum of per-example values on the device, in a fixed order.</summary>
    double[] Shards(ArrayView<double> values, int shards, int shardSize)
    {
        if (shardSums is null || shardSums.Length < shards)
        {
            shardSums?.Dispose();
            shardSums = device.Accelerator.Allocate1D<double>(shards);
        }
        device.Kernels.Sums(values, shardSums.View, risk.Count, shardSize);
        return shardSums.View.SubView(0, shards).GetAsArray1D();
    }

    public void Dispose()
    {
        backprop?.Dispose();
        origin?.Dispose();
        vector.Dispose();
        shardSums?.Dispose();
        total?.Dispose();
        moved?.Dispose();
        direction?.Dispose();
    }
}
