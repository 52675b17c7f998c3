using PureHDF;
using System.Text.Json.Nodes;
using Basin.Landscape;
using Basin.Tests.Cli;

namespace Basin.Tests.Cli;

public class SurfaceCommandTests
{
    static string Temp(string name) => Path.Combine(TestPaths.Root, $"basin-surface-{Guid.NewGuid():N}", name);
    const string Model = "linear(2,8),tanh,linear(8,2)";

    static (string Weights, string Dir) Weights()
    {
        string dir = Path.GetDirectoryName(Temp("x"))!;
        var run = Path.Combine(dir, "run");
        Assert.Equal(0, CliRunner.Run("train", "--model", Model, "--data", "spirals", "--n", "200", "--epochs", "2", "--out", run).Code);
        return (run, dir);
    }

    static string[] Args(string weights, string output, params string[] extra) =>
        ["surface", "--weights", weights, "--data", "spirals", "--n", "200", "--out", output, .. extra];

    [Fact]
    public void Non_square_grid_is_indexed_x_then_y_in_json_and_hdf5()
    {
        var (weights, dir) = Weights();
        string h5 = Path.Combine(dir, "s.h5");
        var (code, stdout, _) = CliRunner.Run(Args(weights, h5, "--xrange", "-1:1:5", "--yrange", "-0.5:0.5:3", "--test", "--json"));
        Assert.Equal(0, code);
        var json = JsonNode.Parse(stdout)!;
        Assert.Equal(5, json["x"]!.AsArray().Count);
        Assert.Equal(3, json["y"]!.AsArray().Count);
        Assert.Equal(5, json["loss"]!.AsArray().Count);
        Assert.Equal(3, json["loss"]![0]!.AsArray().Count);
        var s = SurfaceFile.Read(h5);
        Assert.Equal(new Axis(-1, 1, 5), s.X);
        Assert.Equal(new Axis(-0.5, 0.5, 3), s.Y);
        Assert.True(s.HasTest);
        Assert.All(s.Done, Assert.True);
        Assert.Equal(json["loss"]![4]![1]!.GetValue<double>(), s.TrainLoss[4 * 3 + 1], 12);
        Assert.Equal(json["accuracy"]![2]![2]!.GetValue<double>(), s.TrainAccuracy[2 * 3 + 2], 12);
        Assert.True(File.Exists(Path.Combine(dir, "s.dir_x.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir, "s.dir_y.safetensors")));
        // The centre cell is the unperturbed model.
        var (_, evalOut, _) = CliRunner.Run("eval", "--weights", weights, "--data", "spirals", "--n", "200", "--json");
        Assert.Equal(JsonNode.Parse(evalOut)!["loss"]!.GetValue<double>(), json["loss"]![2]![1]!.GetValue<double>(), 6);
    }

    [Fact]
    public void Hdf5_holds_loss_landscapes_layout_and_older_files_are_read_and_converted()
    {
        var (weights, dir) = Weights();
        string h5 = Path.Combine(dir, "s.h5");
        string[] args = Args(weights, h5, "--xrange", "-1:1:5", "--yrange", "-0.5:0.5:3", "--test", "--json");
        var (code, stdout, _) = CliRunner.Run(args);
        Assert.Equal(0, code);
        var json = JsonNode.Parse(stdout)!;
        string[] quantities = ["train_loss", "train_acc", "test_loss", "test_acc"];
        // plot_2D.py: X, Y = meshgrid(x, y); contour(X, Y, Z), so Z has shape (len(y), len(x)) and Z[j, i] is at (x[i], y[j]).
        using (var f = PureHDF.H5File.OpenRead(h5))
        {
            Assert.StartsWith("yx", f.Attribute("layout").Read<string>());
            foreach (var name in quantities)
            {
                var z = f.Dataset(name).Read<double[,]>();
                Assert.Equal([3, 5], new[] { z.GetLength(0), z.GetLength(1) });
                string key = name.StartsWith("test") ? name.EndsWith("loss") ? "test_loss" : "test_accuracy" : name.EndsWith("loss") ? "loss" : "accuracy";
                double scale = name.EndsWith("acc") ? 100 : 1;
                for (int i = 0; i < 5; i++)
                    for (int j = 0; j < 3; j++)
                        Assert.Equal(scale * json[key]![i]![j]!.GetValue<double>(), z[j, i], 12);
            }
            Assert.Equal(new byte[3, 5] { { 1, 1, 1, 1, 1 }, { 1, 1, 1, 1, 1 }, { 1, 1, 1, 1, 1 } }, f.Dataset("computed").Read<byte[,]>());
        }
        var surface = SurfaceFile.Read(h5);

        // The layout before it: [i, j] at (x[i], y[j]) and no layout attribute. Read as such, and rewritten in the new one on reuse.
        var old = new PureHDF.H5File();
        using (var f = PureHDF.H5File.OpenRead(h5))
        {
            foreach (var name in new[] { "xcoordinates", "ycoordinates" }) old[name] = f.Dataset(name).Read<double[]>();
            foreach (var name in quantities) old[name] = Transpose(f.Dataset(name).Read<double[,]>());
            old["computed"] = Transpose(f.Dataset("computed").Read<byte[,]>());
            foreach (var a in f.Attributes().Where(a => a.Name != "layout")) old.Attributes[a.Name] = a.Read<string>();
        }
        string older = Path.Combine(dir, "old.h5");
        old.Write(older);
        var read = SurfaceFile.Read(older);
        Assert.Equal(surface.TrainLoss, read.TrainLoss);
        Assert.Equal(surface.TestAccuracy, read.TestAccuracy);
        File.Copy(older, h5, overwrite: true);
        var (again, reused, _) = CliRunner.Run(args);
        Assert.Equal(0, again);
        Assert.Equal(json.ToJsonString(), JsonNode.Parse(reused)!.ToJsonString());
        using (var f = PureHDF.H5File.OpenRead(h5))
        {
            Assert.StartsWith("yx", f.Attribute("layout").Read<string>());
            Assert.Equal(3, f.Dataset("train_loss").Read<double[,]>().GetLength(0));
        }
        Assert.Equal(surface.TrainLoss, SurfaceFile.Read(h5).TrainLoss);
    }

    static T[,] Transpose<T>(T[,] m)
    {
        var t = new T[m.GetLength(1), m.GetLength(0)];
        for (int r = 0; r < m.GetLength(0); r++) for (int c = 0; c < m.GetLength(1); c++) t[c, r] = m[r, c];
        return t;
    }

    [Fact]
    public void Resuming_after_a_kill_equals_an_uninterrupted_run()
    {
        var (weights, dir) = Weights();
        string whole = Path.Combine(dir, "whole.h5"), part = Path.Combine(dir, "part.h5");
        string[] grid = ["--xrange", "-1:1:6", "--yrange", "-1:1:4", "--flush-every", "5"];
        Assert.Equal(0, CliRunner.Run(Args(weights, whole, grid)).Code);
        Assert.Equal(0, CliRunner.Run(Args(weights, part, grid)).Code);
        // Simulate a kill after 10 of 24 cells: forget the rest, as a file flushed twice would hold.
        var s = SurfaceFile.Read(part);
        for (int c = 10; c < s.Cells; c++) { s.Done[c] = false; s.TrainLoss[c] = double.NaN; s.TrainAccuracy[c] = double.NaN; }
        SurfaceFile.Write(part, s);
        var (code, stdout, _) = CliRunner.Run(Args(weights, part, grid));
        Assert.Equal(0, code);
        Assert.Contains("(resumed)", stdout);
        var a = SurfaceFile.Read(whole);
        var b = SurfaceFile.Read(part);
        Assert.Equal(a.TrainLoss, b.TrainLoss);
        Assert.Equal(a.TrainAccuracy, b.TrainAccuracy);
    }

    [Fact]
    public void A_different_surface_in_the_output_file_is_not_overwritten_without_force()
    {
        var (weights, dir) = Weights();
        string h5 = Path.Combine(dir, "s.h5");
        Assert.Equal(0, CliRunner.Run(Args(weights, h5, "--xrange", "-1:1:3")).Code);
        var (code, _, err) = CliRunner.Run(Args(weights, h5, "--xrange", "-2:2:3"));
        Assert.Equal(2, code);
        Assert.Contains("holds a different surface", err);
        Assert.Equal(0, CliRunner.Run(Args(weights, h5, "--xrange", "-2:2:3", "--force")).Code);
    }

    [Fact]
    public void Diverging_cells_are_stored_as_non_finite_and_reported()
    {
        var (weights, dir) = Weights();
        string h5 = Path.Combine(dir, "far.h5");
        // Far along a raw direction the logits overflow float32: those cells hold inf/NaN, the rest stay finite.
        var (code, stdout, _) = CliRunner.Run(Args(weights, h5, "--norm", "none", "--xrange", "0:1e38:3", "--json"));
        Assert.Equal(0, code);
        var loss = JsonNode.Parse(stdout)!["loss"]!.AsArray();
        Assert.NotNull(loss[0]);
        Assert.Null(loss[2]);
        var s = SurfaceFile.Read(h5);
        Assert.False(double.IsFinite(s.TrainLoss[2]));
        Assert.True(double.IsFinite(s.TrainLoss[0]));
    }

    [Theory]
    [InlineData("--xrange", "1:-1:5", "the end must be above the start")]
    [InlineData("--xrange", "a:b", "cannot read 'a:b'")]
    [InlineData("--norm", "spectral", "unknown normalization 'spectral'")]
    public void Bad_surface_options_are_user_errors(string option, string value, string message)
    {
        var (weights, dir) = Weights();
        var (code, _, err) = CliRunner.Run(Args(weights, Path.Combine(dir, "x.h5"), option, value));
        Assert.Equal(2, code);
        Assert.Contains(message, err);
    }

    [Fact]
    public void A_direction_toward_other_weights_of_a_batchnorm_model_says_whose_statistics_the_far_end_has()
    {
        string dir = TestPaths.NewDirectory("surface-toward-bn");
        string[] data = ["--data", "spirals", "--n", "60"];
        string Train(string model, string name, string seed)
        {
            string run = Path.Combine(dir, name);
            Assert.Equal(0, CliRunner.Run(["train", "--model", model, .. data, "--epochs", "1", "--seed", seed, "--out", run]).Code);
            return run;
        }
        const string bn = "linear(2,8),batchnorm1d(8),relu,linear(8,2)", plain = "linear(2,8),relu,linear(8,2)";
        var (code, _, err) = CliRunner.Run(["surface", "--weights", Train(bn, "a", "1"), "--dir-x-toward", Train(bn, "b", "2"), .. data,
            "--xrange", "0:1:3", "--no-plots", "--out", Path.Combine(dir, "bn.h5")]);
        Assert.Equal(0, code);
        Assert.Contains("note: BatchNorm's running statistics stay the model's along every direction", err);
        (code, _, err) = CliRunner.Run(["surface", "--weights", Train(plain, "c", "1"), "--dir-x-toward", Train(plain, "d", "2"), .. data,
            "--xrange", "0:1:3", "--no-plots", "--out", Path.Combine(dir, "plain.h5")]);
        Assert.Equal(0, code);
        Assert.DoesNotContain("note:", err);
    }
}

