using Basin.Cluster.Coordinator;
using Basin.Data;
using Basin.Landscape;
using Basin.Tensors;

namespace Basin.Tests.Cluster;

/// <summary>A worker stopped in the middle of a job: the rest of its pieces are done by the others and the result keeps its bits.</summary>
[Collection("cluster")]
public sealed class WorkerLossTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public void A_worker_stopped_mid_surface_loses_nothing()
    {
        var train = DataCatalog.Load(DataCatalog.Embedded, "train", null, 400);
        var theta = Numbers.ToDouble<double>(TestNets.RandomVector<double>(784 * 12 + 12 + 12 * 10 + 10, 3, 0.1));
        var point = LossLandscape.At("linear(784,12),tanh,linear(12,10)", theta, train, batch: 25, threads: 1);
        var options = new SurfaceOptions { X = new Axis(-1, 1, 7), Y = new Axis(-1, 1, 6), Seed = 2, EigenSteps = 4 };
        var here = point.Surface(options).Surface;

        var request = new Basin.Cluster.Messages.DataRequest(DataCatalog.Embedded, "train", null, 400, true, train.ContentHash);
        var log = new StringWriter();
        var victim = fixture.Cluster.SecondarySilos[0];
        int handed = 0;
        bool killed = false;
        // Killed just after it was handed its third block: it dies holding one.
        var workers = new ClusterWorkers(fixture.Cluster.Client, ClusterWorkers.Job(point, request, null, "ce", 0, 25), log, (worker, _) =>
        {
            if (!worker.Equals(victim.SiloAddress) || ++handed < 3) return;
            fixture.Cluster.KillSiloAsync(victim).Wait();
            killed = true;
        });
        var there = point.Remote(workers).Surface(options).Surface;

        Assert.True(killed);
        // A silo of this process stops rather than dies (it may still answer the block it holds): the real kill -9 is in
        // ClusterProcessTests. Either way every cell is computed, by the others after the stop.
        var victimBlocks = System.Text.RegularExpressions.Regex.Match(log.ToString(), System.Text.RegularExpressions.Regex.Escape(victim.SiloAddress.ToString()) + @" (\d+)");
        Assert.InRange(int.Parse(victimBlocks.Groups[1].Value), 2, 3);
        Assert.Equal(here.TrainLoss, there.TrainLoss);
        Assert.Equal(here.TrainAccuracy, there.TrainAccuracy);
        Assert.Equal(here.MaxEig, there.MaxEig);
        Assert.Equal(here.MinEig, there.MinEig);
    }
}
