using System.Text.Json.Nodes;

namespace Basin.Tests.Cli;

public class TrainCommandTests
{
    static string Temp() => Path.Combine(TestPaths.Root, $"basin-cli-{Guid.NewGuid():N}");

    [Fact]
    public void Train_writes_a_run_that_eval_reads_back()
    {
        string dir = Temp();
        var (code, stdout, stderr) = CliRunner.Run("train", "--model", "linear(2,16),tanh,linear(16,2)", "--data", "spirals", "--n", "200",
            "--epochs", "3", "--batch", "50", "--lr", "0.3", "--out", dir, "--json");
        Assert.Equal(0, code);
        var json = JsonNode.Parse(stdout)!.AsObject();
        Assert.Equal(12, json["steps"]!.GetValue<int>());
        Assert.Contains("epoch 3  step 12/12", stderr);
        var (evalCode, evalOut, _) = CliRunner.Run("eval", "--weights", dir, "--data", "spirals", "--n", "200", "--json");
        Assert.Equal(0, evalCode);
        Assert.Equal(json["train_loss"]!.GetValue<double>(), JsonNode.Parse(evalOut)!["loss"]!.GetValue<double>(), 12);
    }

    [Fact]
    public void Existing_run_is_not_overwritten_without_force_and_resume_extends_it()
    {
        string dir = Temp();
        string[] args = ["train", "--model", "linear(2,8),relu,linear(8,2)", "--data", "spirals", "--n", "100", "--epochs", "1", "--out", dir];
        Assert.Equal(0, CliRunner.Run(args).Code);
        var (code, _, err) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Contains($"error: {dir}: already exists", err);
        Assert.Contains("--resume", err);
        var (resumed, stdout, _) = CliRunner.Run("train", "--resume", dir, "--epochs", "2", "--json");
        Assert.Equal(0, resumed);
        Assert.Equal(2, JsonNode.Parse(stdout)!["epochs"]!.GetValue<int>());
        Assert.Equal(0, CliRunner.Run([.. args, "--force"]).Code);
    }

    [Fact]
    public void Divergence_exits_with_code_1_and_one_error_line()
    {
        var (code, _, err) = CliRunner.Run("train", "--model", "linear(2,8),relu,linear(8,2)", "--data", "spirals", "--n", "100",
            "--epochs", "5", "--lr", "1e30", "--out", Temp());
        Assert.Equal(1, code);
        var errors = err.Split('\n').Where(l => l.StartsWith("error: ")).ToList();
        Assert.Single(errors);
        Assert.Contains("training diverged", errors[0]);
        Assert.DoesNotContain("   at ", err);
    }

    [Theory]
    [InlineData("--optimizer", "rmsprop", "unknown optimizer 'rmsprop'")]
    [InlineData("--schedule", "linear", "cannot read 'linear'")]
    [InlineData("--init", "kaiming", "cannot read 'kaiming'")]
    [InlineData("--lr", "-1", "is not a positive learning rate")]
    [InlineData("--lr", "NaN", "--lr: NaN is not a finite number")]
    [InlineData("--momentum", "1.5", "--momentum: 1.5 is not in [0, 1)")]
    [InlineData("--steps", "0", "--steps: 0 is not 1 or more")]
    [InlineData("--beta2", "1", "are not both in [0, 1)")]
    [InlineData("--threads", "1.5", "error: --threads: '1.5' is not a whole number\n")]
    [InlineData("--lr", "fast", "error: --lr: 'fast' is not a number\n")]
    [InlineData("--seed", "-1", "error: --seed: '-1' is not a whole number\n")]
    public void Bad_training_options_are_user_errors(string option, string value, string message)
    {
        var (code, _, err) = CliRunner.Run("train", "--model", "linear(2,8),relu,linear(8,2)", "--data", "spirals", "--n", "50",
            "--epochs", "1", "--out", Temp(), option, value);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains(message, err);
    }

    [Fact]
    public void Negative_epochs_are_refused_before_the_run_directory_is_made()
    {
        string dir = Temp();
        var (code, _, err) = CliRunner.Run("train", "--model", "linear(2,8),relu,linear(8,2)", "--data", "spirals", "--n", "50",
            "--epochs", "-1", "--out", dir);
        Assert.Equal(2, code);
        Assert.Contains("error: --epochs: -1 is not 1 or more", err);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void Missing_stopping_rule_is_a_user_error()
    {
        var (code, _, err) = CliRunner.Run("train", "--model", "linear(2,8),relu,linear(8,2)", "--data", "spirals", "--out", Temp());
        Assert.Equal(2, code);
        Assert.Contains("no stopping rule", err);
    }

    [Fact]
    public void Demo_trains_and_reports_where_its_files_are()
    {
        string dir = Temp();
        var (code, stdout, _) = CliRunner.Run("demo", "--out", dir);
        Assert.Equal(0, code);
        Assert.Contains("stopped: reached 20 epochs", stdout);
        Assert.True(File.Exists(Path.Combine(dir, "run", "final.safetensors")));
        Assert.Contains(Path.Combine(dir, "run"), stdout);
        // Test accuracy of a 20-epoch MLP on 2,000 Fashion-MNIST images is far above chance (10 %).
        var (_, evalOut, _) = CliRunner.Run("eval", "--weights", Path.Combine(dir, "run"), "--split", "test", "--json");
        Assert.InRange(JsonNode.Parse(evalOut)!["accuracy"]!.GetValue<double>(), 0.75, 1.0);
    }
}
