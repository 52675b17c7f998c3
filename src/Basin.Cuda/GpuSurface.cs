using System.Numerics;
using Basin.Landscape;
using Basin.Objective;
using ILGPU;
using ILGPU.Runtime;

namespace Basin.Cuda;

/// <summary>
/// A point's surfaces and loss passes on the GPU, as the remote of a landscape: theta, the directions and the data are
/// uploaded once, each cell's point is made on the device and evaluated there. Numbers agree with the CPU engine's to
/// float32 rounding (about 1e-5 in a loss), not bit for bit; they are the same bits every run.
/// </summary>
internal sealed class GpuSurface(GpuDevice device, GpuRisk train, GpuRisk? test, float[] theta) : IRemoteWorkers, IDisposable
{
    readonly MemoryBuffer1D<float, Stride1D.Dense> origin = device.Accelerator.Allocate1D(theta), point = device.Accelerator.Allocate1D<float>(theta.Length);

    public void Complete(Surface surface, double[] dx, double[]? dy, int? eigenSteps, double saveSeconds, Action<Surface>? save, Action<int>? progress,
        CancellationToken cancel)
    {
        if (eigenSteps is not null)
            throw new BasinException("{device}", "the Hessian's extremes per cell ({eigen}) do not run on the GPU yet", "leave {eigen} out, or use {device} cpu");
        using var x = device.Accelerator.Allocate1D(Array.ConvertAll(dx, v => (float)v));
        using var y = device.Accelerator.Allocate1D(dy is null ? new float[dx.Length] : Array.ConvertAll(dy, v => (float)v));
        var saving = new PeriodicSave(surface, saveSeconds, save, progress);
        try
        {
            for (int cell = 0; cell < surface.Cells; cell++)
            {
                if (surface.Done[cell]) continue;
                cancel.ThrowIfCancellationRequested();
                var (a, b) = surface.Coordinates(cell);
                device.Kernels.PlanePoint(origin.View, x.View, y.View, point.View, (float)a, (float)b);
                var e = train.Evaluate(point.View);
                var values = new CellValues(e.Loss, e.Accuracy);
                if (surface.HasTest && test is not null)
                {
                    var t = test.Evaluate(point.View);
                    values = values with { TestLoss = t.Loss, TestAccuracy = t.Accuracy };
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

    /// <summary>Passes over the data (gradients, curvature) do not run on the GPU yet.</summary>
    public IReadOnlyList<ShardSums<T>> Sum<T>(EmpiricalRisk<T>.Pass pass, double[]? at, double[] v, int waves) where T : unmanaged, IFloatingPointIeee754<T> =>
        throw new BasinException("{device}", "gradients and curvature do not run on the GPU yet", "use {device} cpu for this command");

    public void Dispose()
    {
        origin.Dispose();
        point.Dispose();
    }
}
