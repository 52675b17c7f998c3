using System.Text.Json.Nodes;
using Basin.Data;
using Basin.Engine;
using Basin.Models;

namespace Basin.Tests.Cli;

public class EvalCommandTests
{
    static void AssertUserError(int code, string stderr, string mentions)
    {
        Assert.Equal(2, code);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(mentions, lines[0]);
        Assert.True(lines.Length <= 2, stderr);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("hint: ", l));
        Assert.DoesNotContain("   at ", stderr);
    }

    static string Temp(string name) => Path.Combine(TestPaths.Root, $"basin-test-{Guid.NewGuid():N}-{name}");

    [Fact]
    public void Json_output_has_the_contract_shape_and_pytorch_numbers()
    {
        var (code, stdout, _) = CliRunner.Run("eval", "--model", CliRunner.Mlp, "--weights", CliRunner.Fixture("mlp.safetensors"),
            "--data", DataCatalog.Embedded, "--dtype", "float64", "--json");
        Assert.Equal(0, code);
        var json = JsonNode.Parse(stdout)!.AsObject();
        var expected = JsonNode.Parse(File.ReadAllText(CliRunner.Fixture("expected.json")))!["mlp"]!["float64_2k"]!;
        Assert.Equal(expected["loss"]!.GetValue<double>(), json["loss"]!.GetValue<double>(), 1e-12);
        Assert.Equal(expected["accuracy"]!.GetValue<double>(), json["accuracy"]!.GetValue<double>());
        Assert.Equal(2000, json["n"]!.GetValue<int>());
        Assert.Equal(79510, json["parameters"]!.GetValue<int>());
    }

    [Fact]
    public void Missing_weights_file() =>
        Check("missing.safetensors", "file not found", CliRunner.Mlp, "/nonexistent/w.safetensors");

    [Fact]
    public void File_that_is_not_safetensors()
    {
        string path = Temp("text.safetensors");
        File.WriteAllText(path, "this is not a safetensors file at all");
        Check(path, "not a safetensors file", CliRunner.Mlp, path);
    }

    [Fact]
    public void Truncated_safetensors_file()
    {
        string path = Temp("half.safetensors");
        var bytes = File.ReadAllBytes(CliRunner.Fixture("mlp.safetensors"));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Check(path, "lie outside", CliRunner.Mlp, path);
    }

    [Fact]
    public void Weights_of_the_wrong_shape_name_key_and_shapes()
    {
        var (code, _, err) = CliRunner.Run("eval", "--model", "linear(784,50),relu,linear(50,10)", "--weights", CliRunner.Fixture("mlp.safetensors"));
        AssertUserError(code, err, "'0.weight' has shape [100,784], expected [50,784]");
    }

    [Fact]
    public void Unknown_layer_names_its_position()
    {
        var (code, _, err) = CliRunner.Run("eval", "--model", "linear(784,100),gelu,linear(100,10)", "--weights", CliRunner.Fixture("mlp.safetensors"));
        AssertUserError(code, err, "at position 17: unknown layer 'gelu'");
    }

    [Fact]
    public void More_examples_than_the_data_holds()
    {
        var (code, _, err) = CliRunner.Run("eval", "--model", CliRunner.Mlp, "--weights", CliRunner.Fixture("mlp.safetensors"), "--n", "5000");
        AssertUserError(code, err, "5000 examples asked but fashion-mnist-mini has only 2000");
    }

    [Fact]
    public void Unknown_data_set()
    {
        var (code, _, err) = CliRunner.Run("eval", "--model", CliRunner.Mlp, "--weights", CliRunner.Fixture("mlp.safetensors"), "--data", "imagenet");
        AssertUserError(code, err, "unknown data set 'imagenet'");
    }

    [Fact]
    public void Unknown_option_is_bad_usage()
    {
        var (code, _, err) = CliRunner.Run("eval", "--model", CliRunner.Mlp, "--wieghts", "x");
        AssertUserError(code, err, "basin eval");
    }

    [Fact]
    public void Non_finite_weights_are_refused()
    {
        var data = DataCatalog.Load(DataCatalog.Embedded, "train", n: 10);
        var net = ModelSpec.Build<float>(CliRunner.Mlp, data.InputShape);
        var theta = new float[net.ParameterCount];
        theta[123] = float.NaN;
        string path = Temp("nan.safetensors");
        SafeTensors.Write<float>(path, net.Layout, theta);
        Check(path, "non-finite value (NaN) at flat index 123", CliRunner.Mlp, path);
    }

    static void Check(string _, string mentions, string model, string weights)
    {
        var (code, _, err) = CliRunner.Run("eval", "--model", model, "--weights", weights);
        AssertUserError(code, err, mentions);
    }

    [Fact]
    public void A_run_is_evaluated_on_its_own_data_unless_told_otherwise()
    {
        string run = Path.Combine(TestPaths.NewDirectory("eval-run-data"), "run");
        Assert.Equal(0, CliRunner.Run("train", "--model", "linear(2,8),tanh,linear(8,2)", "--data", "spirals(noise=0.3)", "--n", "60",
            "--test-n", "30", "--epochs", "2", "--out", run).Code);
        JsonNode Eval(params string[] extra) => JsonNode.Parse(CliRunner.Run(["eval", "--weights", run, "--json", .. extra]).Out)!;
        // Without --data: the run's set and its first 60 (train) or 30 (test) examples, not the embedded images.
        Assert.Equal(Eval("--data", "spirals(noise=0.3)", "--n", "60").ToJsonString(), Eval().ToJsonString());
        Assert.Equal(Eval("--data", "spirals(noise=0.3)", "--split", "test", "--n", "30").ToJsonString(), Eval("--split", "test").ToJsonString());
        Assert.Equal(Eval("--data", "spirals(noise=0.3)", "--n", "40").ToJsonString(), Eval("--n", "40").ToJsonString());
        Assert.Equal(2, CliRunner.Run("eval", "--weights", run, "--data", DataCatalog.Embedded).Code);
    }
}

