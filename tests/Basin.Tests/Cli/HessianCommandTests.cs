using System.Text.Json.Nodes;
using Basin.Curvature;
using Basin.Data;
using Basin.Models;
using Basin.Tests.Cli;

namespace Basin.Tests.Cli;

public class HessianCommandTests
{
    /// <summary>A tanh net briefly trained on 100 spiral points: 32 parameters, so --exact gives the whole spectrum.</summary>
    static string TrainedSpiralsRun()
    {
        string run = Path.Combine(TestPaths.Root, $"hessian-{Guid.NewGuid():N}");
        Assert.Equal(0, CliRunner.Run("train", "--model", "linear(2,6),tanh,linear(6,2)", "--data", "spirals", "--n", "100", "--epochs", "2", "--out", run).Code);
        return run;
    }

    [Fact]
    public void Json_has_the_contract_fields_and_matches_the_exact_spectrum()
    {
        string run = TrainedSpiralsRun();
        var (code, stdout, err) = CliRunner.Run("hessian", "--weights", run, "--data", "spirals", "--n", "100", "--dtype", "float64",
            "--top", "3", "--bottom", "2", "--trace", "--probes", "400", "--trace-tol", "0", "--exact", "--density", "--json");
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(stdout)!;
        var top = json["eigenvalues"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var all = json["all_eigenvalues"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        Assert.Equal(3, top.Length);
        Assert.True(top[0] >= top[1] && top[1] >= top[2]);
        for (int i = 0; i < 3; i++) Assert.Equal(all[i], top[i], 1e-8 * Math.Abs(all[0]));
        var bottom = json["bottom_eigenvalues"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        Assert.Equal(all[^1], bottom[0], 1e-8 * Math.Abs(all[0]));
        double trace = json["trace"]!.GetValue<double>(), stderr = json["trace_stderr"]!.GetValue<double>();
        Assert.True(Math.Abs(trace - json["exact_trace"]!.GetValue<double>()) <= 3 * stderr);
        Assert.Equal(all.Sum(), json["exact_trace"]!.GetValue<double>(), 1e-8 * Math.Abs(all[0]) * all.Length);
        Assert.Equal(200, json["density"]!["grid"]!.AsArray().Count);
    }

    [Fact]
    public void Power_iteration_with_deflation_finds_the_largest_magnitudes_of_the_exact_spectrum()
    {
        string run = TrainedSpiralsRun();
        var (code, stdout, err) = CliRunner.Run("hessian", "--weights", run, "--data", "spirals", "--n", "100", "--dtype", "float64",
            "--top", "0", "--power", "2", "--power-iterations", "3000", "--power-tol", "1e-13", "--exact", "--json");
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(stdout)!;
        var byMagnitude = json["all_eigenvalues"]!.AsArray().Select(v => v!.GetValue<double>()).OrderByDescending(Math.Abs).ToArray();
        var power = json["power_eigenvalues"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var residuals = json["power_residuals"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(byMagnitude[i], power[i], 1e-6 * Math.Abs(byMagnitude[0]));
            Assert.True(residuals[i] < 1e-3 * Math.Abs(byMagnitude[0]), $"residual {residuals[i]}");
        }
        Assert.True(json["power_products"]!.GetValue<int>() <= 6000);
    }

    [Fact]
    public void Exact_is_refused_on_large_nets()
    {
        var (code, _, err) = CliRunner.Run("hessian", "--model", CliRunner.Mlp, "--weights", CliRunner.Fixture("mlp.safetensors"), "--exact", "--top", "0");
        Assert.Equal(2, code);
        Assert.Contains("79510 parameters", err);
    }

    [Theory]
    [InlineData("--top", "0", "nothing to compute")]
    [InlineData("--top", "-1", "--top: -1 is not 0 or more")]
    [InlineData("--bottom", "-2", "--bottom: -2 is not 0 or more")]
    [InlineData("--power", "-1", "--power: -1 is not 0 or more")]
    [InlineData("--power-iterations", "0", "--power-iterations: 0 is not 1 or more")]
    public void Empty_or_negative_requests_are_refused(string option, string value, string message)
    {
        var (code, _, err) = CliRunner.Run("hessian", "--model", CliRunner.Mlp, "--weights", CliRunner.Fixture("mlp.safetensors"), option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, err);
    }

    [Fact]
    public void A_missing_weights_file_is_named_before_the_model_is_asked_for()
    {
        var (code, _, err) = CliRunner.Run("hessian", "--weights", "no-such.safetensors");
        Assert.Equal(2, code);
        Assert.Contains("error: no-such.safetensors: file not found", err);
    }
}
