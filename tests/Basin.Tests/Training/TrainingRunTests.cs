using System.Text.Json.Nodes;
using Basin.Training;

namespace Basin.Tests.Training;

/// <summary>A run's life through the library: created, resumed under its rules, reused only when settings and bytes match.</summary>
public class TrainingRunTests
{
    static readonly RunConfig Config = new()
    {
        Model = "linear(5,8),tanh,linear(8,3)", Data = "gaussian-mixture(d=5,classes=3,separation=2)", N = 90, TestN = 30,
        LearningRate = 0.1, Momentum = 0.9, Batch = 30, Seed = 3, Epochs = 2,
    };

    static string Trained()
    {
        string path = Path.Combine(TestPaths.NewDirectory("training-run"), "run");
        var result = TrainingRun.Create(Config, path, replace: false).Run(threads: 1);
        Assert.Equal(2, result.Epochs);
        return path;
    }

    [Fact]
    public void A_resume_refuses_a_setting_that_defines_the_run_naming_both_values()
    {
        string path = Trained();
        var e = Assert.Throws<BasinException>(() => TrainingRun.Resume(path, Config with { Seed = 4 }, ["seed"], allowChange: true));
        Assert.Equal("{seed}", e.What);
        Assert.Contains("seed 3, not 4", e.Why);
        // The same value given again is no change at all.
        var same = TrainingRun.Resume(path, Config with { Epochs = 3 }, ["seed", "epochs"], allowChange: false);
        Assert.Equal(3, same.Config.Epochs);
        Assert.Equal(3, same.Run(threads: 1).Epochs);
        Assert.Equal(new[] { new JsonObject { ["step"] = 6, ["setting"] = "epochs", ["from"] = 2, ["to"] = 3 }.ToJsonString() },
            File.ReadAllLines(Path.Combine(path, RunDirectory.HistoryFile)));
    }

    [Fact]
    public void An_optimizer_setting_changes_only_when_allowed_and_is_recorded()
    {
        string path = Trained();
        var e = Assert.Throws<BasinException>(() => TrainingRun.Resume(path, Config with { LearningRate = 0.05, Epochs = 3 }, ["lr", "epochs"], allowChange: false));
        Assert.Equal("{lr}", e.What);
        Assert.Contains("{allow-change}", e.Hint);
        // A setting not named as given keeps the run's value, whatever the given config holds.
        var ignored = TrainingRun.Resume(path, Config with { LearningRate = 0.05 }, [], allowChange: false);
        Assert.Equal(0.1, ignored.Config.LearningRate);

        var changed = TrainingRun.Resume(path, Config with { LearningRate = 0.05, Epochs = 3 }, ["lr", "epochs"], allowChange: true);
        Assert.Equal(0.05, changed.Config.LearningRate);
        changed.Run(threads: 1);
        Assert.Equal(0.05, new RunDirectory(path).ReadConfig().LearningRate);
        var history = File.ReadAllLines(Path.Combine(path, RunDirectory.HistoryFile)).Select(l => JsonNode.Parse(l)!["setting"]!.GetValue<string>());
        Assert.Equal(new[] { "learning_rate", "epochs" }, history);
    }

    [Fact]
    public void A_resume_refuses_data_whose_bytes_differ_from_the_training_data()
    {
        string path = Trained();
        var run = new RunDirectory(path);
        run.WriteConfig(run.ReadConfig() with { DataSha256 = new string('0', 64) });
        var e = Assert.Throws<BasinException>(() => TrainingRun.Resume(path, Config, [], allowChange: false));
        Assert.Equal("{data}", e.What);
        Assert.Contains("training data found now differs", e.Why);
    }

    [Fact]
    public void A_run_is_reused_only_with_the_same_settings_and_inputs()
    {
        string path = Trained();
        var (train, test) = TrainingRun.LoadData(Config);
        Assert.Equal(RunState.Finished, TrainingRun.Reuse(Config, train, test, path).State);
        Assert.Equal(RunState.Different, TrainingRun.Reuse(Config with { Seed = 4 }, train, test, path).State);
        Assert.Equal(RunState.Different, TrainingRun.Reuse(Config, train.WithRandomLabels(0.5, 1), test, path).State);
        File.WriteAllText(Path.Combine(path, "extra.txt"), "from before");
        var restarted = TrainingRun.Reuse(Config, train, test, path, restart: true);
        Assert.False(restarted.Resumes);
        var result = restarted.Run(threads: 1);
        Assert.False(result.Resumed);
        Assert.Equal(6, result.Steps);
        Assert.False(File.Exists(Path.Combine(path, "extra.txt")));
    }

    [Fact]
    public void A_new_run_refuses_a_directory_holding_other_files_before_training()
    {
        string dir = TestPaths.NewDirectory("training-run");
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "mine");
        var e = Assert.Throws<BasinException>(() => TrainingRun.Create(Config, dir, replace: true));
        Assert.Contains("refusing to delete", e.Why);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(dir, "notes.txt")));
    }
}
