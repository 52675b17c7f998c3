using System.Text.Json.Nodes;
using Basin.Data;
using Basin.Models;
using Basin.Tests.Cli;

namespace Basin.Tests.Cli;

public class InterpolateCommandTests
{
    [Fact]
    public void Losses_along_the_line_equal_evaluations_of_the_mixed_weights_and_the_barrier_is_their_excess()
    {
        string dir = Path.Combine(TestPaths.Root, $"basin-interp-{Guid.NewGuid():N}");
        const string model = "linear(2,8),tanh,linear(8,2)";
        string[] train = ["train", "--model", model, "--data", "spirals", "--n", "200", "--epochs", "3", "--lr", "0.5"];
        Assert.Equal(0, CliRunner.Run([.. train, "--seed", "1", "--out", Path.Combine(dir, "a")]).Code);
        Assert.Equal(0, CliRunner.Run([.. train, "--seed", "2", "--out", Path.Combine(dir, "b")]).Code);
        var (code, stdout, _) = CliRunner.Run("interpolate", Path.Combine(dir, "a"), Path.Combine(dir, "b"), "--range", "-0.5:1.5:9",
            "--data", "spirals", "--n", "200", "--dtype", "float64", "--json");
        Assert.Equal(0, code);
        var json = JsonNode.Parse(stdout)!;
        var t = json["t"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var loss = json["loss"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();

        var data = DataCatalog.Load("spirals", "train", n: 200);
        var net = ModelSpec.Build<double>(model, data.InputShape);
        var wa = SafeTensors.ReadTheta<double>(Path.Combine(dir, "a", "final.safetensors"), net.Layout);
        var wb = SafeTensors.ReadTheta<double>(Path.Combine(dir, "b", "final.safetensors"), net.Layout);
        var f = new EmpiricalRisk<double>(net, data, "ce", 0, 500, 1);
        for (int i = 0; i < t.Length; i++)
        {
            var w = wa.Select((x, k) => (1 - t[i]) * x + t[i] * wb[k]).ToArray();
            Assert.Equal(f.Evaluate(w).Loss, loss[i], 1e-10);
        }
        double ends = Math.Max(f.Evaluate(wa).Loss, f.Evaluate(wb).Loss);
        double inside = Enumerable.Range(0, t.Length).Where(i => t[i] >= 0 && t[i] <= 1).Max(i => loss[i]);
        Assert.Equal(Math.Max(0, inside - ends), json["barrier"]!.GetValue<double>(), 10);
    }

    [Fact]
    public void The_tables_show_the_ends_a_b_and_the_peak_and_say_what_they_leave_out()
    {
        string dir = TestPaths.NewDirectory("interp-table");
        var runs = CliRunner.TwoRuns(dir, 3);
        string[] data = ["--data", "spirals", "--n", "100"];
        var (_, jsonOut, _) = CliRunner.Run(["interpolate", .. runs, .. data, "--range", "-0.5:1.5:41", "--json"]);
        var json = JsonNode.Parse(jsonOut)!;
        var t = json["t"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var loss = json["loss"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var (code, table, _) = CliRunner.Run(["interpolate", .. runs, .. data, "--range", "-0.5:1.5:41"]);
        Assert.Equal(0, code);
        var rows = table.Split('\n').Where(l => l.StartsWith('│')).Select(l => l.Split('│', StringSplitOptions.TrimEntries)[1]).ToList();
        int peak = Array.IndexOf(loss, loss.Max());
        foreach (double shown in new[] { t[0], 0, 1, t[^1], t[peak] })
            Assert.Contains(shown.ToString("G4", System.Globalization.CultureInfo.InvariantCulture), rows);
        Assert.Contains("...", rows);
        Assert.Matches(@"\d+ of 41 points", table.Replace("\n", " "));

        // connect --test: the test columns beside the training ones, the same ends and peak.
        var (connectCode, connect, _) = CliRunner.Run(["connect", .. runs, .. data, "--curve", "line", "--points", "31", "--test"]);
        Assert.Equal(0, connectCode);
        Assert.Contains("test loss", connect);
        var first = connect.Split('\n').First(l => l.StartsWith("│ 0 ", StringComparison.Ordinal));
        Assert.Equal(5 + 2, first.Split('│').Length);
    }

    [Fact]
    public void An_unknown_option_is_not_taken_for_the_weights_a_and_b()
    {
        string dir = TestPaths.NewDirectory("interp-stray");
        var runs = CliRunner.TwoRuns(dir, 1);
        // Every other command takes --weights; here it would have been the value of A, and B the run: "file not found".
        var (code, _, err) = CliRunner.Run("interpolate", "--weights", runs[0], "--data", "spirals", "--n", "100");
        Assert.Equal(2, code);
        Assert.Equal("error: basin interpolate: unknown option '--weights'\nhint: run 'basin interpolate --help' for the options and arguments\n", err);
        Assert.Equal(0, CliRunner.Run("interpolate", runs[0], runs[1], "--data", "spirals", "--n", "100", "--range", "0:1:3").Code);
    }

    [Fact]
    public void Without_data_options_the_line_and_the_path_are_on_the_first_runs_data()
    {
        var runs = CliRunner.TwoRuns(TestPaths.NewDirectory("interp-run-data"), 1);
        string[] data = ["--data", "spirals", "--n", "100"];
        string[] line = ["interpolate", .. runs, "--range", "0:1:3", "--json"];
        string[] path = ["connect", .. runs, "--curve", "line", "--points", "3", "--json"];
        foreach (var command in new[] { line, path })
        {
            var (code, stdout, err) = CliRunner.Run(command);
            Assert.True(code == 0, err);
            Assert.Equal(CliRunner.Run([.. command, .. data]).Out, stdout);
        }
    }
}

