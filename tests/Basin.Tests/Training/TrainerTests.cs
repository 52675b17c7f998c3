using Basin.Data;
using Basin.Models;
using Basin.Training;

namespace Basin.Tests.Training;

public class TrainerTests
{
    static readonly DataSet Train = DataCatalog.Load("gaussian-mixture(d=5,classes=3,separation=2)", "train", n: 150);
    static readonly DataSet Test = DataCatalog.Load("gaussian-mixture(d=5,classes=3,separation=2)", "test", n: 60);

    static RunConfig Config(string optimizer = "sgd") => new()
    {
        Model = "linear(5,16),tanh,linear(16,3)",
        Data = "gaussian-mixture",
        Optimizer = optimizer,
        LearningRate = optimizer == "adam" ? 0.01 : 0.1,
        Momentum = optimizer == "sgd" ? 0.9 : 0,
        Nesterov = optimizer == "sgd",
        WeightDecay = 1e-3,
        Batch = 32,
        Shard = 16,
        Seed = 3,
        Epochs = 4,
    };

    static float[] Final(RunDirectory run, Basin.Engine.ParameterLayout layout) => SafeTensors.ReadTheta<float>(run.FinalPath, layout);

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void Two_plus_two_epochs_equal_four_epochs_bit_for_bit(string optimizer)
    {
        var whole = new RunDirectory(TestPaths.NewDirectory("run"));
        var trainer = new Trainer<float>(Config(optimizer), Train, Test, whole, 2);
        trainer.Run(resume: false);

        var split = new RunDirectory(TestPaths.NewDirectory("run"));
        new Trainer<float>(Config(optimizer) with { Epochs = 2 }, Train, Test, split, 1).Run(resume: false);
        var resumed = new Trainer<float>(Config(optimizer), Train, Test, split, 2).Run(resume: true);

        Assert.True(resumed.Resumed);
        Assert.Equal(4, resumed.Epochs);
        Assert.Equal(Final(whole, trainer.Network.Layout), Final(split, trainer.Network.Layout));
        Assert.Equal(File.ReadAllLines(whole.MetricsPath).Select(Columns), File.ReadAllLines(split.MetricsPath).Select(Columns));
    }

    /// <summary>A metrics row without its wall-clock column.</summary>
    static string Columns(string line) => line[..line.LastIndexOf(',')];

    [Fact]
    public void Resume_from_a_mid_epoch_step_checkpoint_matches_the_uninterrupted_run()
    {
        var whole = new RunDirectory(TestPaths.NewDirectory("run"));
        var trainer = new Trainer<float>(Config() with { Steps = 13, Epochs = null }, Train, Test, whole, 1);
        trainer.Run(resume: false);

        var split = new RunDirectory(TestPaths.NewDirectory("run"));
        new Trainer<float>(Config() with { Steps = 7, Epochs = null }, Train, Test, split, 1).Run(resume: false);
        Assert.Contains(7L, split.Checkpoints());
        new Trainer<float>(Config() with { Steps = 13, Epochs = null }, Train, Test, split, 1).Run(resume: true);
        Assert.Equal(Final(whole, trainer.Network.Layout), Final(split, trainer.Network.Layout));
    }

    [Fact]
    public void Thread_count_does_not_change_the_trajectory()
    {
        var one = new RunDirectory(TestPaths.NewDirectory("run"));
        var two = new RunDirectory(TestPaths.NewDirectory("run"));
        var t1 = new Trainer<float>(Config(), Train, Test, one, 1);
        t1.Run(false);
        new Trainer<float>(Config(), Train, Test, two, 2).Run(false);
        Assert.Equal(Final(one, t1.Network.Layout), Final(two, t1.Network.Layout));
    }

    [Fact]
    public void Run_directory_has_the_contract_layout()
    {
        var run = new RunDirectory(TestPaths.NewDirectory("run"));
        var result = new Trainer<float>(Config() with { Epochs = 3 }, Train, Test, run, 2).Run(false);
        Assert.True(File.Exists(run.ConfigPath));
        Assert.Equal("linear(5,16),tanh,linear(16,3)", run.ReadConfig().Model);
        int perEpoch = (150 + 31) / 32;
        Assert.Equal([0L, perEpoch, 2 * perEpoch, 3 * perEpoch], run.Checkpoints());
        Assert.All(run.Checkpoints(), s => Assert.True(File.Exists(run.OptimizerPath(s))));
        Assert.True(File.Exists(Path.Combine(run.CheckpointsPath, "step-0000005.safetensors")));
        var lines = File.ReadAllLines(run.MetricsPath);
        Assert.Equal(MetricsLog.Header, lines[0]);
        Assert.Equal(1 + 4, lines.Length);
        Assert.Equal(3 * perEpoch, result.Steps);
        Assert.Empty(Directory.EnumerateFiles(run.Path, "*.tmp", SearchOption.AllDirectories));
        // The final weights evaluate to the reported training loss.
        var net = ModelSpec.Build<float>(run.ReadConfig().Model, Train.InputShape);
        var f = new EmpiricalRisk<float>(net, Train, "ce", 0, 500, 1);
        Assert.Equal(result.Train.Loss, f.Evaluate(SafeTensors.ReadTheta<float>(run.FinalPath, net.Layout)).Loss, 12);
    }

    [Fact]
    public void Divergence_stops_with_a_message_and_keeps_the_last_good_checkpoint()
    {
        var run = new RunDirectory(TestPaths.NewDirectory("run"));
        var config = Config() with { LearningRate = 1e30, Momentum = 0, Nesterov = false, Epochs = 3 };
        var e = Assert.Throws<TrainingDivergedException>(() => new Trainer<float>(config, Train, Test, run, 1).Run(false));
        Assert.Contains("last good checkpoint", e.Message);
        Assert.False(File.Exists(run.FinalPath));
        var last = run.Checkpoints()[^1];
        Assert.Contains(run.CheckpointPath(last), e.Message);
        var net = ModelSpec.Build<float>(config.Model, Train.InputShape);
        Assert.All(SafeTensors.ReadTheta<float>(run.CheckpointPath(last), net.Layout), x => Assert.True(float.IsFinite(x)));
    }

    [Fact]
    public void Stops_at_zero_training_error_on_separable_data()
    {
        var easy = DataCatalog.Load("gaussian-mixture(d=5,classes=3,separation=20)", "train", n: 90);
        var run = new RunDirectory(TestPaths.NewDirectory("run"));
        var result = new Trainer<float>(Config() with { UntilZeroError = true, Epochs = 200 }, easy, null, run, 1).Run(false);
        Assert.Equal("zero training error", result.StopReason);
        Assert.Equal(1.0, result.Train.Accuracy);
        Assert.True(result.Epochs < 200);
    }

    [Fact]
    public void A_target_loss_stops_at_the_first_logged_row_that_reaches_it_even_mid_epoch()
    {
        var run = new RunDirectory(TestPaths.NewDirectory("run"));
        var result = new Trainer<float>(Config() with { TargetLoss = 0.3, LogEvery = 1, Epochs = 100 }, Train, null, run, 1).Run(false);
        var rows = new MetricsLog(run.MetricsPath, long.MaxValue).Rows;
        // Every step logs the whole training set: the run stops at the first row at or below the target, not at the epoch's end.
        Assert.Equal(rows.Count - 1, rows.ToList().FindIndex(r => r.TrainLoss <= 0.3));
        Assert.True(rows[^2].TrainLoss > 0.3 && rows[^1].TrainLoss <= 0.3);
        Assert.Equal(rows[^1].Step, result.Steps);
        Assert.StartsWith("training loss", result.StopReason);
    }
}
