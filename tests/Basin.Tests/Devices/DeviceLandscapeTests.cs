using Basin.Connectivity;
using Basin.Data;
using Basin.Devices;
using Basin.Landscape;
using Basin.Training;

namespace Basin.Tests.Devices;

/// <summary>
/// A loaded model with BatchNorm as the commands' <c>--device</c> runs it (DeviceOption.On with the CPU backend): the
/// device normalizes by the model's running statistics, not fresh ones, and follows them as they change; a BatchNorm
/// curve trains there in train mode, and with update_bn each point's statistics are recomputed, as on the CPU.
/// </summary>
public sealed class DeviceLandscapeTests
{
    const string Spec = "flatten,linear(784,24),batchnorm1d(24),relu,linear(24,10)";

    /// <summary>Two short runs of a BatchNorm MLP: their running statistics far from the fresh ones (mean 0, variance 1).</summary>
    static (LossLandscape A, LossLandscape B, DataSet Data) Minima()
    {
        var data = DataCatalog.Load(DataCatalog.Embedded, "train", null, 200);
        string dir = TestPaths.NewDirectory("device-bn");
        var ends = new[] { 1UL, 2UL }.Select(seed =>
        {
            var config = new RunConfig { Model = Spec, Data = "fashion-mnist", Optimizer = "sgd", LearningRate = 0.1, Batch = 50, Seed = seed, Steps = 8, Test = false };
            var run = new RunDirectory(Path.Combine(dir, seed.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            new Trainer<float>(config, data, null, run, 1).Run(resume: false);
            return LossLandscape.Load(run.FinalPath, data, Spec);
        }).ToArray();
        return (ends[0], ends[1], data);
    }

    static void Close(double expected, double got, double relative) =>
        Assert.True(Math.Abs(got - expected) <= relative * Math.Abs(expected), $"expected {expected}, got {got}");

    [Fact]
    public void A_models_loss_on_a_device_uses_its_running_statistics()
    {
        var (a, b, data) = Minima();
        var here = a.Evaluate();
        // As eval and a surface (here a line's first point) compute it.
        var there = Basin.Cli.DeviceOption.Evaluate(new CpuBackend(1), a, data);
        Close(here.Loss, there.Loss, 1e-5);
        Assert.Equal(here.Accuracy, there.Accuracy);
        var line = Basin.Cli.DeviceOption.On(new CpuBackend(1), a, data, null, l => l.Interpolate(b, Basin.Landscape.Axis.Parse("0:1:3", "t")).Line);
        Close(here.Loss, line.TrainLoss[0], 1e-5);
        // The control: fresh statistics give another loss, so the check could fail.
        var fresh = LossLandscape.At(Spec, a.Theta(), data);
        Assert.True(Math.Abs(fresh.Evaluate().Loss - here.Loss) > 1e-3);
    }

    [Fact]
    public void The_device_follows_the_running_statistics_as_they_change()
    {
        var (a, _, data) = Minima();
        var network = Basin.Models.ModelSpec.Build<float>(Spec, data.InputShape);
        using var risk = new DeviceRisk(new CpuBackend(1), network, data, statistics: a.Buffers);
        var theta = Basin.Tensors.Numbers.To<float>(a.Theta());
        Close(a.Evaluate().Loss, risk.Evaluate(theta).Loss, 1e-5);
        for (int i = 0; i < a.Buffers.Values.Length; i++) a.Buffers.Values[i] *= 1.5;
        Close(a.Evaluate().Loss, risk.Evaluate(theta).Loss, 1e-5);
    }

    [Fact]
    public void A_surface_on_a_device_fetched_in_batches_of_cells_equals_the_cpus()
    {
        var (a, _, data) = Minima();
        var test = DataCatalog.Load(DataCatalog.Embedded, "test", null, 100);
        // 9 x 11 cells: a batch of 64 and a partial one.
        var options = new SurfaceOptions { X = new Basin.Landscape.Axis(-1, 1, 9), Y = new Basin.Landscape.Axis(-1, 1, 11), Seed = 4, Test = test };
        var here = a.Surface(options).Surface;
        var there = Basin.Cli.DeviceOption.On(new CpuBackend(1), a, data, test, l => l.Surface(options).Surface);
        Assert.True(here.Cells > DeviceSurface.CellBatch);
        for (int cell = 0; cell < here.Cells; cell++)
        {
            Close(here.TrainLoss[cell], there.TrainLoss[cell], 1e-5);
            Close(here.TestLoss![cell], there.TestLoss![cell], 1e-5);
            Assert.Equal(here.TrainAccuracy[cell], there.TrainAccuracy[cell]);
        }
    }

    [Fact]
    public void A_line_with_update_bn_recomputes_each_points_statistics_on_the_device_as_the_cpu_does()
    {
        var (a, b, data) = Minima();
        var t = Basin.Landscape.Axis.Parse("0:1:4", "t");
        // The control: without update_bn every point has A's statistics (update_bn leaves the last point's behind: first).
        var plain = a.Interpolate(b, t).Line;
        var here = a.UpdatingBatchNorm().Interpolate(b, t).Line;
        var there = Basin.Cli.DeviceOption.On(new CpuBackend(1), a.UpdatingBatchNorm(), data, null, l => l.Interpolate(b, t).Line);
        for (int i = 0; i < t.Count; i++) Close(here.TrainLoss[i], there.TrainLoss[i], 1e-5);
        Assert.True(Math.Abs(plain.TrainLoss[^1] - here.TrainLoss[^1]) > 1e-3);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_batchnorm_curve_trained_on_a_device_follows_the_cpus(bool updateBatchNorm)
    {
        var (a, b, data) = Minima();
        if (updateBatchNorm) a = a.UpdatingBatchNorm();
        var options = new PathOptions(PathKind.Bezier) { Epochs = 2, LearningRate = 0.05, Points = 5 };
        var statistics = (double[])a.Buffers.Values.Clone();
        var here = a.Connect(b, options);
        if (!updateBatchNorm)
        {
            // The path is evaluated with A's statistics: training the curve leaves them as they were, and t = 0 is A.
            Assert.Equal(statistics, a.Buffers.Values);
            Assert.Equal(a.Evaluate().Loss, here.Train[0].Loss, 12);
        }
        var there = Basin.Cli.DeviceOption.On(new CpuBackend(1), a, data, null, l => l.Connect(b, options));
        for (int i = 0; i < here.T.Length; i++) Close(here.Train[i].Loss, there.Train[i].Loss, 1e-4);
        Assert.True(here.Train.Select(e => e.Loss).Max() > here.Train[0].Loss);
    }
}
