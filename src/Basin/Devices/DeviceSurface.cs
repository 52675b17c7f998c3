using System.Numerics;
using Basin.Landscape;
using Basin.Objective;

namespace Basin.Devices;

/// <summary>
/// A point's surfaces and loss passes on a device, as the remote of a landscape: theta, the directions and the data are
/// uploaded once, each cell's point is made on the device and evaluated there. Numbers agree with the CPU engine's to
/// float32 rounding (about 1e-5 in a loss), not bit for bit; they are the same bits every run. The point's full passes
/// (gradients, Hessian products: curvature, sharpness) run on the device too.
/// </summary>
/// <param name="l2">The risk's l2 coefficient: each cell's losses add 0.5 l2 ||point||^2, as the engine's do.</param>
/// <param name="curvature">
/// The training risk's shards and settings, its passes run by the remote given: for each cell's Hessian extremes (one
/// Lanczos run at the cell's point on the device), when the surface asks for them.
/// </param>
/// <param name="recompute">
/// When given, each cell's point has its running statistics recomputed (update_bn) in the network's buffers, then copied
/// into the model's (the buffers the risks follow) before it is evaluated.
/// </param>
internal sealed class DeviceSurface(DeviceRisk train, DeviceRisk? test, float[] theta, double l2,
    Func<IRemoteRisk, EmpiricalRisk<float>>? curvature = null, (Engine.Network<float> Network, Engine.ModelBuffers Model)? recompute = null)
    : IRemoteWorkers, IRemoteMinibatch, IDisposable
{
    public bool UpdatesBatchNorm => recompute is not null;

    public string Name => "{device}";

    readonly DevicePasses passes = new(train, theta);
    readonly IBackend backend = train.Backend;
    readonly DeviceBuffer<float> point = train.Backend.Allocate<float>(theta.Length);

    /// <summary>
    /// Cells evaluated one after another on the device before their sums come back in one download (one each when a
    /// cell needs the host: its Hessian's extremes, or update_bn's statistics).
    /// </summary>
    internal const int CellBatch = 64;

    public void Complete(Surface surface, double[] dx, double[]? dy, int? eigenSteps, double saveSeconds, Action<Surface>? save, Action<int>? progress,
        CancellationToken cancel)
    {
        var hessian = eigenSteps is null ? null
            : curvature?.Invoke(passes) ?? throw new ArgumentNullException(nameof(curvature), "the surface asks for curvature and the GPU has no risk for it");
        var x = backend.Upload(Array.ConvertAll(dx, v => (float)v));
        var y = backend.Upload(dy is null ? new float[dx.Length] : Array.ConvertAll(dy, v => (float)v));
        var norm = l2 == 0 ? default : PlaneNorm.Of<double>(Array.ConvertAll(theta, v => (double)v), dx, dy ?? new double[dx.Length]);
        var saving = new PeriodicSave(surface, saveSeconds, save, progress);
        bool withTest = surface.HasTest && test is not null;
        int batch = hessian is null && recompute is null ? CellBatch : 1;
        // Per cell of the batch: the training set's loss sum and number correct, then the test set's.
        var sums = backend.Allocate<double>(4L * batch);
        var pending = new List<(int Cell, double Max, double Min)>();
        void Flush()
        {
            if (pending.Count == 0) return;
            var values = backend.Download(sums.Take(4L * pending.Count));
            for (int k = 0; k < pending.Count; k++)
            {
                var (cell, max, min) = pending[k];
                var (a, b) = surface.Coordinates(cell);
                double penalty = l2 == 0 ? 0 : 0.5 * l2 * norm.At(a, b);
                var stored = new CellValues(values[4 * k] / train.Count + penalty, values[4 * k + 1] / train.Count) { MaxEig = max, MinEig = min };
                if (withTest) stored = stored with { TestLoss = values[4 * k + 2] / test!.Count + penalty, TestAccuracy = values[4 * k + 3] / test.Count };
                surface.Store(cell, stored);
                saving.Stored();
            }
            pending.Clear();
        }
        try
        {
            for (int cell = 0; cell < surface.Cells; cell++)
            {
                if (surface.Done[cell]) continue;
                cancel.ThrowIfCancellationRequested();
                var (a, b) = surface.Coordinates(cell);
                backend.PlanePoint(passes.Origin, x, y, point, (float)a, (float)b);
                if (recompute is var (network, model))
                {
                    passes.RecomputeStatistics(point, network);
                    model.CopyFrom(network.Buffers);
                }
                int k = pending.Count;
                train.Sums(point, sums.Slice(4L * k, 2));
                if (withTest) test!.Sums(point, sums.Slice(4L * k + 2, 2));
                var (max, min) = hessian is null ? (double.NaN, double.NaN) : Extremes(hessian, dx, dy, a, b, eigenSteps!.Value);
                pending.Add((cell, max, min));
                if (pending.Count == batch) Flush();
            }
            Flush();
        }
        finally
        {
            passes.Point = null;
            backend.Free(x);
            backend.Free(y);
            backend.Free(sums);
            saving.Finish();
        }
    }

    /// <summary>The Hessian's largest and smallest eigenvalue at the cell's point (made on the device): both ends of one Lanczos run.</summary>
    (double Max, double Min) Extremes(EmpiricalRisk<float> risk, double[] dx, double[]? dy, double a, double b, int steps)
    {
        // The engine's point, for the l2 term the merge adds; the passes run at the device's copy.
        var at = new float[theta.Length];
        float fa = (float)a, fb = (float)b;
        for (int i = 0; i < at.Length; i++) at[i] = theta[i] + fa * (float)dx[i] + (dy is null ? 0f : fb * (float)dy[i]);
        passes.Point = point;
        return Basin.Curvature.Spectrum.Extremes(new Basin.Curvature.HessianOperator<float>(risk, at), steps, seed: 0);
    }

    public double SumGradient(double[] at, int[] indices, double[] gradientSum, double[] batchStatistics, Data.ImageCrops? crops) =>
        passes.SumGradient(at, indices, gradientSum, batchStatistics, crops);

    public IReadOnlyList<ShardSums<T>> Sum<T>(EmpiricalRisk<T>.Pass pass, double[]? at, double[] v, int waves, int shardSize)
        where T : unmanaged, IFloatingPointIeee754<T> => passes.Sum(pass, at, v, waves, shardSize);

    public void Dispose()
    {
        passes.Dispose();
        backend.Free(point);
    }
}
