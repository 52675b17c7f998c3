using Basin.Cluster.Coordinator;
using Basin.Cluster.Messages;
using Basin.Curvature;
using Basin.Data;
using Basin.Landscape;
using Basin.Tensors;

namespace Basin.Tests.Cluster;

/// <summary>
/// Work shared out over a cluster of three workers gives the bits of one process: surfaces (cells in blocks), Lanczos'
/// top eigenvalues and Hutchinson's trace (products from waves summed by the workers); a worker killed mid-job changes
/// nothing; data that differ from the coordinator's are refused.
/// </summary>
[Collection("cluster")]
public sealed class ClusterTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    const string Spec = "linear(784,12),tanh,linear(12,10)";

    static (LossLandscape Point, DataRequest Train, DataRequest Test) Point(bool float64)
    {
        var train = DataCatalog.Load(DataCatalog.Embedded, "train", null, 400);
        var test = DataCatalog.Load(DataCatalog.Embedded, "test", null, 100);
        var theta = Numbers.ToDouble<double>(TestNets.RandomVector<double>(784 * 12 + 12 + 12 * 10 + 10, 3, 0.1));
        // 16 shards of 25: two waves, so products merge waves computed by different workers.
        var point = LossLandscape.At(Spec, theta, train, l2: 1e-3, float64: float64, batch: 25, threads: 1);
        return (point, Request(train), Request(test));
    }

    static DataRequest Request(DataSet d) => new(DataCatalog.Embedded, d.Split, null, d.Count, true, d.ContentHash);

    ClusterWorkers Workers(LossLandscape point, DataRequest train, DataRequest? test, StringWriter? log = null, Action<SiloAddress, int>? handedOut = null) =>
        new(fixture.Cluster.Client, ClusterWorkers.Job(point, train, test, "ce", 1e-3, 25), log, handedOut);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_surface_over_the_cluster_has_the_bits_of_one_process(bool float64)
    {
        var (point, train, test) = Point(float64);
        var options = new SurfaceOptions { X = new Axis(-1, 1, 7), Y = new Axis(-1, 1, 5), Seed = 4, Test = DataCatalog.Load(DataCatalog.Embedded, "test", null, 100) };
        var here = point.Surface(options).Surface;
        var log = new StringWriter();
        var workers = new ClusterWorkers(fixture.Cluster.Client, ClusterWorkers.Job(point, train, test, "ce", 1e-3, 25), log) { StatusEvery = TimeSpan.Zero };
        var there = point.Remote(workers).Surface(options).Surface;
        Assert.Equal(here.TrainLoss, there.TrainLoss);
        Assert.Equal(here.TrainAccuracy, there.TrainAccuracy);
        Assert.Equal(here.TestLoss, there.TestLoss);
        Assert.Equal(here.TestAccuracy, there.TestAccuracy);
        Assert.All(here.Done, Assert.True);
        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // Every worker took blocks.
        Assert.Equal(3, lines.Single(l => l.Contains("surface blocks in")).Split("127.0.0.1").Length - 1);
        // While the job ran, the log said what each worker had done and was doing.
        var status = lines.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^cluster: \d+/\d+ surface blocks done; ")).ToList();
        Assert.NotEmpty(status);
        Assert.All(status, l => Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(l, @"127\.0\.0\.1:\d+:\d+: \d+ done, (computing|waiting|resting after a failure)").Count));
        Assert.Contains(status, l => l.Contains("computing"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Lanczos_top_eigenvalues_and_Hutchinson_trace_over_the_cluster_have_the_bits_of_one_process(bool float64)
    {
        var (point, train, _) = Point(float64);
        var options = new CurvatureOptions { Top = 3, LanczosSteps = 20, Trace = true, Probes = 12, TraceTolerance = 0, Seed = 5 };
        var here = point.Curvature(options);
        var workers = Workers(point, train, null);
        var there = point.Remote(workers).Curvature(options);
        workers.Finish();
        Assert.Equal(here.Top!.Values, there.Top!.Values);
        Assert.Equal(here.Top.Residuals, there.Top.Residuals);
        Assert.Equal(here.Trace!.Value, there.Trace!.Value);
        Assert.Equal(here.Trace.StandardError, there.Trace.StandardError);
        Assert.Equal(here.Products, there.Products);
    }

    [Theory]
    [InlineData("epsilon")]
    [InlineData("sam")]
    [InlineData("asam")]
    [InlineData("pac-bayes")]
    [InlineData("hessian-trace")]
    [InlineData("top-eigenvalue")]
    public void Sharpness_measures_over_the_cluster_have_the_bits_of_one_process(string measure)
    {
        var (point, train, _) = Point(float64: false);
        var options = new SharpnessOptions { Measures = [measure], Seed = 2 };
        var here = point.Sharpness(options);
        int pieces = 0;
        var workers = Workers(point, train, null, null, (_, _) => pieces++);
        var there = point.Remote(workers).Sharpness(options);
        workers.Finish();
        Assert.Equal(here, there);
        // The workers ran its passes (two waves: two pieces a pass).
        Assert.True(pieces >= 2, $"{pieces} pieces");
    }

    [Fact]
    public void An_interpolation_over_the_cluster_has_the_bits_of_one_process()
    {
        var (a, train, _) = Point(false);
        var b = a.At(Numbers.ToDouble<double>(TestNets.RandomVector<double>(a.ParameterCount, 8, 0.1)));
        var t = new Axis(-0.5, 1.5, 9);
        var here = a.Interpolate(b, t);
        var there = a.Remote(Workers(a, train, null)).Interpolate(b, t);
        Assert.Equal(here.Line.TrainLoss, there.Line.TrainLoss);
        Assert.Equal(here.Line.TrainAccuracy, there.Line.TrainAccuracy);
        Assert.Equal(here.Barrier, there.Barrier);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Full_batch_gradient_descent_with_the_clusters_gradients_has_the_bits_of_one_process(bool float64)
    {
        var config = new Basin.Training.RunConfig
        {
            Model = Spec, Data = DataCatalog.Embedded, N = 400, Optimizer = "gd", LearningRate = 0.1, Momentum = 0.9, L2 = 1e-3, Steps = 4,
            Shard = 25, DType = float64 ? "float64" : "float32", Test = false, SaveEvery = 0,
        };
        var here = Basin.Training.TrainingRun.Create(config, TestPaths.NewDirectory("gd-here"), replace: true);
        here.Run(threads: 1);
        var there = Basin.Training.TrainingRun.Create(config, TestPaths.NewDirectory("gd-there"), replace: true);
        var request = new DataRequest(DataCatalog.Embedded, "train", null, 400, true, there.Train.ContentHash);
        var workers = new ClusterWorkers(fixture.Cluster.Client, ClusterWorkers.Job(config, 784 * 12 + 12 + 12 * 10 + 10, request));
        there.Remote = workers;
        there.Run(threads: 1);
        workers.Finish();
        Assert.Equal(File.ReadAllBytes(here.Directory.Weights()), File.ReadAllBytes(there.Directory.Weights()));
        // step, epoch, lr, training loss and accuracy of every logged row (not the seconds).
        string[] Metrics(Basin.Training.TrainingRun run) => File.ReadAllLines(Path.Combine(run.Directory.Path, "metrics.csv"))
            .Where(l => l.Length > 0).Select(l => string.Join(',', l.Split(',')[..5])).ToArray();
        Assert.Equal(Metrics(here), Metrics(there));
        Assert.True(Metrics(here).Length >= 2);
    }

    [Fact]
    public void Data_that_differ_from_the_coordinators_are_refused()
    {
        var (point, train, _) = Point(false);
        var workers = Workers(point, train with { Sha256 = new string('0', 64) }, null);
        var e = Assert.Throws<BasinException>(() => point.Remote(workers).Curvature(new CurvatureOptions { Top = 1, LanczosSteps = 5 }));
        Assert.Contains("sha256", e.Why);
        Assert.Contains("the coordinator's 000000000000", e.Why);
    }
}
