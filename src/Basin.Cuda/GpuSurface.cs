using System.Numerics;
using Basin.Landscape;
using Basin.Objective;
using ILGPU;
using ILGPU.Runtime;

namespace Basin.Cuda;

/// <summary>
/// A point's surfaces and loss passes on the GPU, as the remote of a landscape: theta, the directions and the data are
/// uploaded once, each cell's point is made on the device and evaluated there. Numbers agree with the CPU engine's to
/// float32 rounding (about 1e-5 in a loss), not bit for bit; they are the same bits every run. The point's full passes
/// (gradients, Hessian products: curvature, sharpness) run on the GPU too.
/// </summary>
/// <param name="l2">The risk's l2 coefficient: each cell's losses add 0.5 l2 ||point||^2, as the engine's do.</param>
internal sealed class GpuSurface(GpuDevice device, GpuRisk train, GpuRisk? test, float[] theta, double l2) : IRemoteWorkers, IDisposable
{
    public string Name => "{device}";

    readonly GpuPasses passes = new(device, train, theta);
    readonly MemoryBuffer1D<float, Stride1D.Dense> point = device.Accelerator.Allocate1D<float>(theta.Length);

    public void Complete(Surface surface, double[] dx, double[]? dy, int? eigenSteps, double saveSeconds, Action<Surface>? save, Action<int>? progress,
        CancellationToken cancel)
    {
        if (eigenSteps is not null)
            throw new BasinException("{device}", "the Hessian's extremes per cell ({eigen}) do not run on the GPU yet", "leave {eigen} out, or use {device} cpu");
        using var x = device.Accelerator.Allocate1D(Array.ConvertAll(dx, v => (float)v));
        using var y = device.Accelerator.Allocate1D(dy is null ? new float[dx.Length] : Array.ConvertAll(dy, v => (float)v));
        var norm = l2 == 0 ? default : PlaneNorm.Of<double>(Array.ConvertAll(theta, v => (double)v), dx, dy ?? new double[dx.Length]);
        var saving = new PeriodicSave(surface, saveSeconds, save, progress);
        try
        {
            for (int cell = 0; cell < surface.Cells; cell++)
            {
                if (surface.Done[cell]) continue;
                cancel.ThrowIfCancellationRequested();
                var (a, b) = surface.Coordinates(cell);
                device.Kernels.PlanePoint(passes.Origin, x.View, y.View, point.View, (float)a, (float)b);
                double penalty = l2 == 0 ? 0 : 0.5 * l2 * norm.At(a, b);
                var e = train.Evaluate(point.View);
                var values = new CellValues(e.Loss + penalty, e.Accuracy);
                if (surface.HasTest && test is not null)
                {
                    var t = test.Evaluate(point.View);
                    values = values with { TestLoss = t.Loss + penalty, TestAccuracy = t.Accuracy };
                }
                surface.Store(cell, values);
                saving.Stored();
            }
        }
        finally
        {
            saving.Finish();
        }
    }

    public IReadOnlyList<ShardSums<T>> Sum<T>(EmpiricalRisk<T>.Pass pass, double[]? at, double[] v, int waves, int shardSize)
        where T : unmanaged, IFloatingPointIeee754<T> => passes.Sum(pass, at, v, waves, shardSize);

    public void Dispose()
    {
        passes.Dispose();
        point.Dispose();
    }
}
