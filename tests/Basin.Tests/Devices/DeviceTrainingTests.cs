using Basin.Data;
using Basin.Devices;
using Basin.Models;
using Basin.Training;

namespace Basin.Tests.Devices;

/// <summary>Training whose minibatch gradients a device computes, on each backend, against the same run on the CPU engine.</summary>
public sealed class DeviceTrainingTests : IDisposable
{
    readonly TestBackends backends = new();

    public void Dispose() => backends.Dispose();

    public static TheoryData<string> Names => [.. TestBackends.Names];

    [Theory]
    [MemberData(nameof(Names))]
    public void A_cnn_trained_with_augmentation_on_a_device_follows_the_cpus_path(string on)
    {
        var data = DataCatalog.Load(DataCatalog.Embedded, "train", null, 24);
        var config = new RunConfig
        {
            Model = "conv2d(1,3,3,stride=2),relu,flatten,linear(507,10)", Data = "fashion-mnist", Optimizer = "sgd", LearningRate = 0.1, Momentum = 0.9,
            Batch = 8, Shard = 8, Seed = 5, Steps = 4, Test = false, Augment = true,
        };
        var here = new RunDirectory(TestPaths.NewDirectory("device-augment"));
        new Trainer<float>(config, data, null, here, 1).Run(resume: false);
        var there = new RunDirectory(TestPaths.NewDirectory("device-augment"));
        using var risk = new DeviceRisk(backends[on], ModelSpec.Build<float>(config.Model, data.InputShape), data);
        using var passes = new DevicePasses(risk, null);
        new Trainer<float>(config, data, null, there, 1, passes).Run(resume: false);
        var layout = ModelSpec.Build<float>(config.Model, data.InputShape).Layout;
        var start = SafeTensors.ReadTheta<float>(here.CheckpointPath(0), layout);
        double[] Moved(RunDirectory run) => [.. SafeTensors.ReadTheta<float>(run.FinalPath, layout).Zip(start, (x, y) => (double)x - y)];
        var (a, b) = (Moved(here), Moved(there));
        double error = Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum()), norm = Math.Sqrt(a.Sum(x => x * x));
        Assert.True(norm > 0);
        Assert.True(error <= 1e-4 * norm, $"relative error {error / norm:g3}");
        // The control: the same run without augmentation moves elsewhere, so the device did augment.
        var plain = new RunDirectory(TestPaths.NewDirectory("device-augment"));
        new Trainer<float>(config with { Augment = false }, data, null, plain, 1).Run(resume: false);
        var c = Moved(plain);
        Assert.True(Math.Sqrt(a.Zip(c, (x, y) => (x - y) * (x - y)).Sum()) > 1e-2 * norm);
    }
}
