using System.Text.Json.Nodes;
using Basin.Tests.Cli;

namespace Basin.Tests.Cli;

public class ConnectCommandTests
{
    [Fact]
    public void A_trained_bezier_curve_has_a_lower_barrier_than_the_straight_line()
    {
        string dir = TestPaths.NewDirectory("connect");
        foreach (var seed in new[] { "1", "2" })
            Assert.Equal(0, CliRunner.Run("train", "--model", "linear(2,16),tanh,linear(16,2)", "--data", "spirals", "--n", "300", "--epochs", "30",
                "--lr", "0.3", "--momentum", "0.9", "--seed", seed, "--out", Path.Combine(dir, seed)).Code);
        string[] common = ["connect", Path.Combine(dir, "1"), Path.Combine(dir, "2"), "--data", "spirals", "--n", "300", "--points", "21", "--dtype", "float64", "--json"];
        var (lineCode, lineOut, lineErr) = CliRunner.Run([.. common, "--curve", "line"]);
        Assert.True(lineCode == 0, lineErr);
        var (curveCode, curveOut, curveErr) = CliRunner.Run([.. common, "--curve", "bezier", "--epochs", "30", "--lr", "0.05", "--out", Path.Combine(dir, "bezier")]);
        Assert.True(curveCode == 0, curveErr);
        double line = JsonNode.Parse(lineOut)!["barrier"]!.GetValue<double>();
        var curve = JsonNode.Parse(curveOut)!;
        Assert.True(line > 0.01, $"the straight line should cross a barrier, got {line}");
        Assert.True(curve["barrier"]!.GetValue<double>() < line, $"bezier {curve["barrier"]} vs line {line}");
        // The ends are the minima themselves.
        var loss = curve["loss"]!.AsArray();
        var eval = JsonNode.Parse(CliRunner.Run("eval", "--weights", Path.Combine(dir, "1"), "--data", "spirals", "--n", "300", "--dtype", "float64", "--json").Out)!;
        Assert.Equal(eval["loss"]!.GetValue<double>(), loss[0]!.GetValue<double>(), 10);
        Assert.True(File.Exists(Path.Combine(dir, "bezier.png")));
        Assert.True(File.Exists(Path.Combine(dir, "bezier-path.png")));
    }
}
