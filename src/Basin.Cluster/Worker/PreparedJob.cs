using System.Diagnostics;
using System.Numerics;
using Basin.Cluster.Messages;
using Basin.Data;
using Basin.Landscape;
using Basin.Models;
using Basin.Objective;
using Basin.Tensors;

namespace Basin.Cluster.Worker;

/// <summary>A job as a worker holds it: the point built in the job's float type, its risk over the worker's own copy of the data.</summary>
internal interface IPreparedJob
{
    CellsMessage Cells(double[] a, double[] b, int? eigenSteps);
    WaveSumsMessage Waves(int pass, double[]? theta, double[] v, int first, int count);
}

internal static class PreparedJob
{
    /// <summary>Builds the job's point; data whose content differs from the coordinator's are refused.</summary>
    public static IPreparedJob Create(WorkerJob job, Func<DataRequest, DataSet> load, int threads) =>
        job.Float64 ? new PreparedJob<double>(job, load, threads) : new PreparedJob<float>(job, load, threads);
}

internal sealed class PreparedJob<T> : IPreparedJob where T : unmanaged, IFloatingPointIeee754<T>
{
    readonly EmpiricalRisk<T> train;
    readonly EmpiricalRisk<T>? test;
    readonly T[] theta;
    readonly T[]? dx, dy;

    public PreparedJob(WorkerJob job, Func<DataRequest, DataSet> load, int threads)
    {
        var data = load(job.Train);
        var network = ModelSpec.Build<T>(job.Spec, data.InputShape);
        if (job.Theta.Length != network.ParameterCount || job.BufferValues.Length != network.Buffers.Values.Length
            || job.BufferCounts.Length != network.Buffers.Counts.Length)
            throw new BasinException("job", $"the point has {job.Theta.Length} parameters, the model {job.Spec} {network.ParameterCount}");
        job.BufferValues.CopyTo(network.Buffers.Values, 0);
        job.BufferCounts.CopyTo(network.Buffers.Counts, 0);
        theta = Numbers.To<T>(job.Theta);
        train = new EmpiricalRisk<T>(network, data, job.Loss, job.L2, job.Batch, threads);
        if (job.Test is { } t) test = new EmpiricalRisk<T>(network, load(t), job.Loss, job.L2, job.Batch, threads);
        if (job.DirectionX is { } x) dx = Numbers.To<T>(x);
        if (job.DirectionY is { } y) dy = Numbers.To<T>(y);
    }

    public CellsMessage Cells(double[] a, double[] b, int? eigenSteps)
    {
        long start = Stopwatch.GetTimestamp();
        var values = CellCodec.Encode(SurfaceComputation.Cells(train, test, theta, dx ?? throw new InvalidOperationException("a job without directions has no cells"),
            dy, a, b, eigenSteps, CancellationToken.None));
        return new CellsMessage(values, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    public WaveSumsMessage Waves(int pass, double[]? at, double[] v, int first, int count)
    {
        long start = Stopwatch.GetTimestamp();
        // A point of its own is a new array: the risk keeps what it learned of the job's (an unchanged array) between passes.
        var sums = train.SumWaves((EmpiricalRisk<T>.Pass)pass, at is null ? theta : Numbers.To<T>(at), v, first, count);
        return WaveSumsMessage.Of(sums, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }
}
