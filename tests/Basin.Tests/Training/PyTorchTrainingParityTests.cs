using Basin.Data;
using Basin.Models;
using Basin.Training;

namespace Basin.Tests.Training;

/// <summary>Training from bench/pytorch_reference.py's initial weights, in its batch order, against its final weights.</summary>
public class PyTorchTrainingParityTests
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", name);

    static RunDirectory TempRun() => new(Path.Combine(TestPaths.Root, $"basin-parity-{Guid.NewGuid():N}"));

    static RunConfig Config => new()
    {
        Model = "linear(784,100),relu,linear(100,10)",
        Data = DataCatalog.Embedded,
        Init = Fixture("train-init.safetensors"),
        Shuffle = false,
        Test = false,
        LearningRate = 0.1,
        SaveEvery = 0,
    };

    [Fact]
    public void Hundred_sgd_momentum_steps_match_pytorch_in_float32()
    {
        var data = DataCatalog.Load(DataCatalog.Embedded, "train");
        var run = TempRun();
        var trainer = new Trainer<float>(Config with { Momentum = 0.9, Batch = 128, Steps = 100 }, data, null, run, 2);
        trainer.Run(false);
        var ours = SafeTensors.ReadTheta<float>(run.FinalPath, trainer.Network.Layout);
        var theirs = SafeTensors.ReadTheta<float>(Fixture("train-sgd100.safetensors"), trainer.Network.Layout);
        double worst = ours.Zip(theirs, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 1e-4, $"max abs difference {worst}");
    }

    [Fact]
    public void Fifty_full_batch_gradient_descent_steps_match_pytorch_in_float64()
    {
        var data = DataCatalog.Load(DataCatalog.Embedded, "train");
        var run = TempRun();
        var trainer = new Trainer<double>(Config with { Optimizer = "gd", DType = "float64", Steps = 50 }, data, null, run, 2);
        trainer.Run(false);
        var ours = SafeTensors.ReadTheta<double>(run.FinalPath, trainer.Network.Layout);
        var theirs = SafeTensors.ReadTheta<double>(Fixture("train-gd50.safetensors"), trainer.Network.Layout);
        double worst = ours.Zip(theirs, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst < 1e-10, $"max abs difference {worst}");
    }
}
