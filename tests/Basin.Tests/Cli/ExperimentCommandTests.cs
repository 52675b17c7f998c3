using System.Text.Json.Nodes;
using Basin.Tests.Cli;

namespace Basin.Tests.Cli;

public class ExperimentCommandTests
{
    [Fact]
    public void Deep_linear_quick_run_holds_every_claim_and_writes_a_self_contained_report()
    {
        string dir = TestPaths.NewDirectory("deep-linear");
        var (code, stdout, err) = CliRunner.Run("experiment", "deep-linear", "--quick", "--out", dir);
        Assert.True(code == 0, stdout + err);
        Assert.DoesNotContain("FAILS", stdout);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "experiment.json")))!;
        Assert.All(json["claims"]!.AsArray(), c => Assert.True(c!["holds"]!.GetValue<bool>()));
        string html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Contains("Claims and measurements", html);
        Assert.Contains("data:image/png;base64,", html);
        Assert.DoesNotContain("src=\"http", html);
        Assert.DoesNotContain("<script src", html);
    }

    [Fact]
    public void Report_of_a_demo_like_directory_inlines_runs_figures_and_3d_surfaces()
    {
        string dir = TestPaths.NewDirectory("report");
        Assert.Equal(0, CliRunner.Run("train", "--model", "linear(2,8),tanh,linear(8,2)", "--data", "spirals", "--n", "100", "--epochs", "2", "--out", Path.Combine(dir, "run")).Code);
        Assert.Equal(0, CliRunner.Run("surface", "--weights", Path.Combine(dir, "run"), "--data", "spirals", "--n", "100", "--xrange", "-1:1:5", "--yrange", "-1:1:5",
            "--out", Path.Combine(dir, "surface.h5")).Code);
        var (code, stdout, _) = CliRunner.Run("report", dir);
        Assert.Equal(0, code);
        string html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Contains("Run run", html);
        Assert.Contains("train_loss", html);
        Assert.Contains("Plotly.newPlot", html);
        Assert.Contains("data:image/png;base64,", html);
        Assert.Contains("report.html", stdout);
    }

    [Fact]
    public void Experiment_list_names_every_experiment()
    {
        var (code, stdout, _) = CliRunner.Run("experiment", "list");
        Assert.Equal(0, code);
        Assert.Contains("deep-linear", stdout);
        Assert.Contains("spurious-valleys", stdout);
    }

    [Fact]
    public void Rerunning_an_experiment_reuses_its_finished_runs_and_gives_the_same_results()
    {
        string dir = TestPaths.NewDirectory("rerun");
        Assert.Equal(0, CliRunner.Run("experiment", "flatness-reparam", "--quick", "--out", dir).Code);
        string final = Path.Combine(dir, "batch-16", "final.safetensors");
        var written = File.GetLastWriteTimeUtc(final);
        string first = File.ReadAllText(Path.Combine(dir, "experiment.json"));
        Assert.Equal(0, CliRunner.Run("experiment", "flatness-reparam", "--quick", "--out", dir).Code);
        Assert.Equal(written, File.GetLastWriteTimeUtc(final));
        var a = JsonNode.Parse(first)!["minima"]!.ToJsonString();
        var b = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "experiment.json")))!["minima"]!.ToJsonString();
        Assert.Equal(a, b);
    }
}
