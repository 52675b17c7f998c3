using System.Text.Json.Nodes;
using Basin.Tests.Cli;

namespace Basin.Tests.Cli;

public class PerturbCommandTests
{
    [Fact]
    public void Perturbing_a_zero_error_minimum_and_retraining_keeps_training_error_at_zero()
    {
        string dir = TestPaths.NewDirectory("perturb");
        string run = Path.Combine(dir, "run");
        // An over-parametrized net (258 parameters, 60 examples) trained to zero training error.
        Assert.Equal(0, CliRunner.Run("train", "--model", "linear(5,32),relu,linear(32,3)", "--data", "gaussian-mixture(d=5,classes=3,separation=4)",
            "--n", "60", "--epochs", "300", "--until-zero-error", "--lr", "0.1", "--momentum", "0.9", "--batch", "20", "--out", run).Code);
        var (code, stdout, err) = CliRunner.Run("perturb", run, "--seeds", "3", "--epochs", "10", "--lr", "0.05", "--json");
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(stdout)!;
        foreach (var r in json["runs"]!.AsArray())
            Assert.All(r!["train_error"]!.AsArray(), e => Assert.Equal(0.0, e!.GetValue<double>()));
        var d = json["distances"]!.AsArray();
        Assert.True(d[1]![0]!.GetValue<double>() > 0);
        Assert.Equal(4, d.Count);
    }
}
