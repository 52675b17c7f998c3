using System.Text.Json.Nodes;
using Basin.Landscape;
using Basin.Models;
using PureHDF;
using Basin.Training;

namespace Basin.Tests.Cli;

/// <summary>
/// Results a user can trust: nothing stale reused under a new label, no setting changed silently on resume, inputs obeyed
/// and checked before work starts, resources sized before they are taken, resumes that equal uninterrupted runs.
/// Each test runs the commands a user would.
/// </summary>
public class TrustTests
{
    const string Small = "linear(2,8),tanh,linear(8,2)";

    static string Train(string dir, params string[] extra)
    {
        string run = Path.Combine(dir, "run");
        var (code, _, err) = CliRunner.Run(["train", "--model", Small, "--data", "spirals", "--n", "200", "--epochs", "2", "--batch", "50",
            "--lr", "0.05", "--out", run, .. extra]);
        Assert.True(code == 0, err);
        return run;
    }

    static void AssertUserError((int Code, string Out, string Err) result, string mentions)
    {
        Assert.True(result.Code == 2, $"exit {result.Code}: {result.Err}");
        Assert.StartsWith("error: ", result.Err);
        Assert.Contains(mentions, result.Err);
        Assert.DoesNotContain("internal", result.Err);
        Assert.DoesNotContain("   at ", result.Err);
    }

    [Fact]
    public void Perturb_with_another_scale_retrains_instead_of_reusing_the_runs_of_the_first()
    {
        string dir = TestPaths.NewDirectory("trust-perturb");
        string run = Train(dir);
        double[] Distances(params string[] extra)
        {
            var (code, stdout, err) = CliRunner.Run(["perturb", run, "--seeds", "2", "--epochs", "2", "--json", .. extra]);
            Assert.True(code == 0, err);
            var d = JsonNode.Parse(stdout)!["distances"]!.AsArray();
            return [d[1]![0]!.GetValue<double>(), d[2]![0]!.GetValue<double>()];
        }
        var small = Distances("--scale", "0.01");
        var large = Distances("--scale", "0.3");
        var fresh = Distances("--scale", "0.3", "--out", Path.Combine(dir, "fresh"));
        Assert.Equal(fresh, large);
        Assert.NotEqual(small, large);
        // The same settings again reuse the retrained runs: the same numbers.
        Assert.Equal(large, Distances("--scale", "0.3"));
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("unknown")]
    public void Resume_refuses_a_model_json_with_a_missing_or_unknown_key(string fault)
    {
        string run = Train(TestPaths.NewDirectory("trust-json"));
        string path = Path.Combine(run, "model.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        if (fault == "missing") json.Remove("batch");
        else json["batch_size"] = 64;
        File.WriteAllText(path, json.ToJsonString());
        var result = CliRunner.Run("train", "--resume", run, "--epochs", "3");
        AssertUserError(result, fault == "missing" ? "model.json has no 'batch'" : "unknown key 'batch_size'");
        Assert.Equal(json.ToJsonString(), File.ReadAllText(path));
    }

    [Fact]
    public void Resume_refuses_a_changed_setting_unless_allowed_and_records_the_change()
    {
        string run = Train(TestPaths.NewDirectory("trust-resume"));
        string config = File.ReadAllText(Path.Combine(run, "model.json"));
        var refused = CliRunner.Run("train", "--resume", run, "--epochs", "3", "--lr", "0.5");
        AssertUserError(refused, "--lr: the run in");
        Assert.Contains("learning_rate 0.05, not 0.5", refused.Err);
        Assert.Contains("--allow-change", refused.Err);
        Assert.Equal(config, File.ReadAllText(Path.Combine(run, "model.json")));
        // A setting that defines the run cannot change at all.
        AssertUserError(CliRunner.Run("train", "--resume", run, "--epochs", "3", "--batch", "25", "--allow-change"), "batch 50, not 25");

        var (code, _, err) = CliRunner.Run("train", "--resume", run, "--epochs", "3", "--lr", "0.5", "--allow-change");
        Assert.True(code == 0, err);
        var stored = RunConfig.FromJson(File.ReadAllText(Path.Combine(run, "model.json")), "model.json");
        Assert.Equal(0.5, stored.LearningRate);
        Assert.Equal(3, stored.Epochs);
        var history = File.ReadAllLines(Path.Combine(run, RunDirectory.HistoryFile)).Select(l => JsonNode.Parse(l)!).ToList();
        var lr = Assert.Single(history, h => h["setting"]!.GetValue<string>() == "learning_rate");
        Assert.Equal(0.05, lr["from"]!.GetValue<double>());
        Assert.Equal(0.5, lr["to"]!.GetValue<double>());
        Assert.Equal(8, lr["step"]!.GetValue<long>());
        Assert.Single(history, h => h["setting"]!.GetValue<string>() == "epochs");
        // Momentum switched on mid-run starts its buffer from the next gradient, as PyTorch's SGD does.
        var (momentum, _, momentumErr) = CliRunner.Run("train", "--resume", run, "--epochs", "4", "--momentum", "0.9", "--allow-change");
        Assert.True(momentum == 0, momentumErr);
        Assert.Contains("\"setting\":\"momentum\",\"from\":0,\"to\":0.9", File.ReadAllText(Path.Combine(run, RunDirectory.HistoryFile)));
    }

    [Fact]
    public void A_surface_resumes_whatever_path_names_the_same_weights()
    {
        string dir = TestPaths.NewDirectory("trust-path");
        string run = Train(dir);
        string h5 = Path.Combine(dir, "s.h5");
        string[] grid = ["--data", "spirals", "--n", "200", "--xrange", "-1:1:5", "--yrange", "-1:1:4", "--out", h5];
        Assert.Equal(0, CliRunner.Run(["surface", "--weights", run, .. grid]).Code);
        var whole = SurfaceFile.Read(h5);
        void Forget()
        {
            var s = SurfaceFile.Read(h5);
            for (int c = 7; c < s.Cells; c++) s.Done[c] = false;
            SurfaceFile.Write(h5, s);
        }
        string copy = Path.Combine(dir, "copy.safetensors");
        File.Copy(Path.Combine(run, "final.safetensors"), copy);
        foreach (var weights in new[] { Path.Combine(dir, ".", "run"), Path.Combine(dir, "run", "..", "run") + "/" })
        {
            Forget();
            var (code, stdout, err) = CliRunner.Run(["surface", "--weights", weights, .. grid]);
            Assert.True(code == 0, err);
            Assert.Contains("(resumed)", stdout);
        }
        Forget();
        var (c2, out2, e2) = CliRunner.Run(["surface", "--weights", copy, "--model", Small, .. grid]);
        Assert.True(c2 == 0, e2);
        Assert.Contains("(resumed)", out2);
        Assert.Equal(whole.TrainLoss, SurfaceFile.Read(h5).TrainLoss);
        // Other weights under the same path text are a different surface.
        File.Copy(Path.Combine(run, "checkpoints", "step-0000000.safetensors"), copy, overwrite: true);
        AssertUserError(CliRunner.Run(["surface", "--weights", copy, "--model", Small, .. grid]), "weights_sha256 is");
    }

    [Fact]
    public void A_given_data_dir_is_the_only_place_looked_in()
    {
        var result = CliRunner.Run("eval", "--model", CliRunner.Mlp, "--weights", CliRunner.Fixture("mlp.safetensors"), "--data", "fashion-mnist",
            "--data-dir", "/nonexistent-basin-typo");
        AssertUserError(result, "/nonexistent-basin-typo");
        Assert.DoesNotContain("/usr/share/datasets", result.Err);
        Assert.Equal(["/nonexistent-basin-typo", "/nonexistent-basin-typo/fashion-mnist"],
            Basin.Data.DataCatalog.SearchPath("fashion-mnist", "/nonexistent-basin-typo"));
    }

    [Fact]
    public void A_surface_grid_too_large_for_memory_is_refused_before_anything_is_allocated()
    {
        string dir = TestPaths.NewDirectory("trust-grid");
        string run = Train(dir);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = CliRunner.Run("surface", "--weights", run, "--data", "spirals", "--n", "200", "--xrange", "-1:1:100000000",
            "--yrange", "-1:1:100000000", "--out", Path.Combine(dir, "huge.h5"));
        AssertUserError(result, "100000000 x 100000000 grid: needs about");
        Assert.True(clock.Elapsed.TotalSeconds < 10);
        Assert.False(File.Exists(Path.Combine(dir, "huge.dir_x.safetensors")));
        AssertUserError(CliRunner.Run("surface", "--weights", run, "--data", "spirals", "--n", "200", "--xrange", "-1:1:3000000000",
            "--out", Path.Combine(dir, "line.h5")), "--xrange");
    }

    [Fact]
    public void More_eigenvalues_than_parameters_are_refused()
    {
        string run = Train(TestPaths.NewDirectory("trust-top"));
        AssertUserError(CliRunner.Run("hessian", "--weights", run, "--data", "spirals", "--n", "200", "--top", "100000"),
            "--top: 100000 eigenvalues asked of a model with 42 parameters");
        AssertUserError(CliRunner.Run("hessian", "--weights", run, "--data", "spirals", "--n", "200", "--top", "0", "--bottom", "43"),
            "--bottom: 43 eigenvalues asked of a model with 42 parameters");
    }

    [Theory]
    [InlineData("linear(784,3000000),relu,linear(3000000,10)", "more than 2^31 - 1")]
    [InlineData("conv2d(1,60000,3,padding=1),flatten,linear(47040000,10)", "needs about")]
    public void A_model_too_large_to_train_is_refused_with_an_estimate(string model, string message)
    {
        string dir = Path.Combine(TestPaths.NewDirectory("trust-big"), "run");
        AssertUserError(CliRunner.Run("train", "--model", model, "--epochs", "1", "--out", dir), message);
        Assert.False(Directory.Exists(dir));
    }

    [Theory]
    [InlineData("--schedule", "step:abc", "cannot read 'step:abc'")]
    [InlineData("--init", "/nonexistent/init.safetensors", "/nonexistent/init.safetensors: file not found")]
    [InlineData("--optimizer", "rmsprop", "unknown optimizer")]
    public void Bad_training_input_is_refused_before_the_run_directory_is_made(string option, string value, string message)
    {
        string dir = Path.Combine(TestPaths.NewDirectory("trust-late"), "run");
        string[] args = ["train", "--model", Small, "--data", "spirals", "--n", "100", "--epochs", "1", "--out", dir];
        AssertUserError(CliRunner.Run([.. args, option, value]), message);
        Assert.False(Directory.Exists(dir));
        var (code, _, err) = CliRunner.Run(args);
        Assert.True(code == 0, err);
    }

    [Fact]
    public void An_output_that_cannot_be_written_is_refused_before_any_work()
    {
        string dir = TestPaths.NewDirectory("trust-out");
        string run = Train(dir);
        string[] data = ["--data", "spirals", "--n", "200"];
        // Nobody, root included, may create files in /sys.
        AssertUserError(CliRunner.Run(["surface", "--weights", run, .. data, "--out", "/sys/basin-test.h5"]), "--out");
        AssertUserError(CliRunner.Run(["hessian", "--weights", run, .. data, "--density", "--out", "/sys/basin-test"]), "--out");
        AssertUserError(CliRunner.Run(["surface", "--weights", run, .. data, "--out", Path.Combine(dir, "missing", "s.h5")]), "does not exist");
        string folder = Directory.CreateDirectory(Path.Combine(dir, "folder")).FullName;
        AssertUserError(CliRunner.Run(["surface", "--weights", run, .. data, "--out", folder]), "is a directory");
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
        AssertUserError(CliRunner.Run(["train", "--model", Small, "--data", "spirals", "--epochs", "1", "--out", Path.Combine(run, "model.json")]), "is a file");
    }

    [Fact]
    public void A_report_over_a_corrupt_experiment_json_is_a_user_error()
    {
        string dir = TestPaths.NewDirectory("trust-report");
        File.WriteAllText(Path.Combine(dir, "experiment.json"), "{\"title\": 3");
        AssertUserError(CliRunner.Run("report", dir), "experiment.json: is not an experiment.json");
        Assert.False(File.Exists(Path.Combine(dir, "report.html")));
    }

    [Fact]
    public void Temporaries_left_by_a_killed_run_are_removed_by_the_next()
    {
        string dir = TestPaths.NewDirectory("trust-tmp");
        string run = Train(dir);
        // A pid that no process has: what a kill -9 during a checkpoint write leaves.
        string stale = Path.Combine(run, "checkpoints", ".step-0000004.safetensors.999999999.tmp");
        File.WriteAllText(stale, "half a file");
        Assert.Equal(0, CliRunner.Run("train", "--resume", run, "--epochs", "3").Code);
        Assert.False(File.Exists(stale));

        Assert.Equal(0, CliRunner.Run("perturb", run, "--seeds", "1", "--epochs", "1").Code);
        string inExperiment = Path.Combine(run, "perturb", "seed-0", "checkpoints", ".step-0000004.safetensors.999999999.tmp");
        File.WriteAllText(inExperiment, "half a file");
        Assert.Equal(0, CliRunner.Run("perturb", run, "--seeds", "1", "--epochs", "1").Code);
        Assert.False(File.Exists(inExperiment));
    }

    [Fact]
    public void Non_finite_numbers_in_input_files_are_refused()
    {
        string dir = TestPaths.NewDirectory("trust-nan");
        string csv = Path.Combine(dir, "train.csv");
        File.WriteAllText(csv, "x1,x2,y\n0.5,1,0\nnan,2,1\n1,inf,0\n");
        AssertUserError(CliRunner.Run("train", "--model", "linear(2,2)", "--data", csv, "--no-test", "--epochs", "1", "--out", Path.Combine(dir, "run")),
            "line 3, column 1: 'nan' is not a finite");

        string run = Train(dir);
        var weights = SafeTensors.Read(Path.Combine(run, "final.safetensors")).Tensors;
        var tensors = weights.Values.Select(t => (t.Name, t.Shape, (ReadOnlyMemory<double>)t.Values.Select((v, i) => i == 3 ? double.NaN : v).ToArray())).ToList();
        string direction = Path.Combine(dir, "nan-direction.safetensors");
        SafeTensors.WriteTensors(direction, tensors);
        AssertUserError(CliRunner.Run("surface", "--weights", run, "--data", "spirals", "--n", "200", "--dir-x", direction, "--out", Path.Combine(dir, "s.h5")),
            "non-finite value (NaN) at flat index 3");
        Assert.False(File.Exists(Path.Combine(dir, "s.h5")));
    }

    [Fact]
    public void A_resumed_surface_stores_the_very_bits_of_an_uninterrupted_one()
    {
        // 31 of 500 examples right: 6.2 %, whose percent -> fraction -> percent round trip by * 0.01 and * 100 is off by an ulp.
        string dir = TestPaths.NewDirectory("trust-bits");
        string csv = Path.Combine(dir, "train.csv");
        File.WriteAllLines(csv, ["x,y", .. Enumerable.Range(0, 500).Select(i => i < 31 ? "1,0" : "1,1")]);
        var network = ModelSpec.Build<float>("linear(1,2)", [1]);
        string weights = Path.Combine(dir, "w.safetensors");
        SafeTensors.Write<float>(weights, network.Layout, [1f, -1f, 0f, 0f]);
        string whole = Path.Combine(dir, "whole.h5"), part = Path.Combine(dir, "part.h5");
        string[] args = ["surface", "--model", "linear(1,2)", "--weights", weights, "--data", csv, "--xrange", "0:1e-9:4", "--flush-every", "1", "--no-plots"];
        Assert.Equal(0, CliRunner.Run([.. args, "--out", whole]).Code);
        Assert.Equal(0, CliRunner.Run([.. args, "--out", part]).Code);
        var s = SurfaceFile.Read(part);
        Assert.Equal(31 / 500.0, s.TrainAccuracy[0]);
        for (int c = 2; c < s.Cells; c++) s.Done[c] = false;
        SurfaceFile.Write(part, s);
        var (code, stdout, err) = CliRunner.Run([.. args, "--out", part]);
        Assert.True(code == 0, err);
        Assert.Contains("(resumed)", stdout);
        using var a = H5File.OpenRead(whole);
        using var b = H5File.OpenRead(part);
        foreach (var name in new[] { "train_loss", "train_acc" })
            Assert.Equal(a.Dataset(name).Read<double[]>(), b.Dataset(name).Read<double[]>());
    }

    [Fact]
    public void A_resumed_run_logs_the_very_numbers_of_an_uninterrupted_one()
    {
        string dir = TestPaths.NewDirectory("trust-log");
        string whole = Path.Combine(dir, "whole"), split = Path.Combine(dir, "split");
        string[] args = ["train", "--model", "mlp:784-100-10", "--n", "1000", "--test-n", "500", "--batch", "100", "--lr", "0.05"];
        Assert.Equal(0, CliRunner.Run([.. args, "--epochs", "3", "--out", whole]).Code);
        Assert.Equal(0, CliRunner.Run([.. args, "--epochs", "1", "--out", split]).Code);
        Assert.Equal(0, CliRunner.Run("train", "--resume", split, "--epochs", "3").Code);
        Assert.Equal(Metrics(whole), Metrics(split));
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "final.safetensors")), File.ReadAllBytes(Path.Combine(split, "final.safetensors")));
    }

    /// <summary>metrics.csv without its wall-clock column, which no two runs share.</summary>
    internal static string[] Metrics(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.csv")).Select(l => l[..l.LastIndexOf(',')]).ToArray();

    [Theory]
    [InlineData("eval", "--threads", "-3", "--threads: -3 is not 0 or more")]
    [InlineData("surface", "--flush-seconds", "-1", "--flush-seconds: -1 is not above 0")]
    [InlineData("surface", "--flush-every", "0", "--flush-every: 0 is not 1 or more")]
    [InlineData("perturb", "--scale", "NaN", "--scale: NaN is not a finite number")]
    public void Out_of_range_options_are_refused(string command, string option, string value, string message)
    {
        string[] args = command == "perturb" ? [command, "somewhere"] : [command, "--weights", "somewhere"];
        AssertUserError(CliRunner.Run([.. args, option, value]), message);
    }
}
