using Basin.Cluster.Coordinator;
using Basin.Data;
using Basin.Landscape;
using Basin.Tensors;

namespace Basin.Tests.Cluster;

/// <summary>A job whose every worker is gone: it stops with the error a user can act on, and the cells done are in the file.</summary>
[Collection("cluster")]
public sealed class EveryWorkerGoneTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public void A_surface_whose_every_worker_is_gone_stops_with_a_clear_error_and_keeps_its_finished_cells()
    {
        var train = DataCatalog.Load(DataCatalog.Embedded, "train", null, 400);
        var theta = Numbers.ToDouble<double>(TestNets.RandomVector<double>(784 * 12 + 12 + 12 * 10 + 10, 3, 0.1));
        var point = LossLandscape.At("linear(784,12),tanh,linear(12,10)", theta, train, batch: 25, threads: 1);
        var options = new SurfaceOptions { X = new Axis(-1, 1, 9), Y = new Axis(-1, 1, 8), Seed = 2 };
        var here = point.Surface(options).Surface;

        var request = new Basin.Cluster.Messages.DataRequest(DataCatalog.Embedded, "train", null, 400, true, train.ContentHash);
        string file = Path.Combine(TestPaths.NewDirectory("every-worker-gone"), "surface.h5");
        int handed = 0;
        // Every silo stops once six blocks have been handed out (about four a worker): some are done, the rest never will be.
        var workers = new ClusterWorkers(fixture.Cluster.Client, ClusterWorkers.Job(point, request, null, "ce", 0, 25), new StringWriter(), (_, _) =>
        {
            if (++handed != 6) return;
            foreach (var silo in fixture.Cluster.Silos.ToList()) fixture.Cluster.KillSiloAsync(silo).Wait();
        }) { WaitForWorkers = TimeSpan.FromSeconds(3) };
        var job = Task.Run(() => point.Remote(workers).Surface(options with { File = file, FlushSeconds = 0 }));
        // Bounded: a job that kept waiting for workers would hang here.
        Assert.True(((IAsyncResult)job).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(60)), "the job still waits a minute after its workers left");
        var error = Assert.IsType<BasinException>(job.Exception?.GetBaseException());

        Assert.Equal("--cluster", error.What);
        Assert.StartsWith("every worker is gone", error.Why);
        Assert.Contains("run the same command", error.Hint);
        var kept = SurfaceFile.Read(file);
        Assert.InRange(kept.Completed, 1, here.Cells - 1);
        for (int c = 0; c < kept.Cells; c++)
            if (kept.Done[c]) Assert.Equal(here.TrainLoss[c], kept.TrainLoss[c]);
    }
}
