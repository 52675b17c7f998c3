using System.Text.Json.Nodes;
using Basin.Tests.Cli;

namespace Basin.Tests.Cli;

public class SharpnessCommandTests
{
    [Fact]
    public void Reparam_check_reports_raw_measures_changed_and_eta_zero_asam_unchanged()
    {
        string run = Path.Combine(TestPaths.Root, $"sharp-{Guid.NewGuid():N}");
        Assert.Equal(0, CliRunner.Run("train", "--model", "linear(2,8),relu,linear(8,2)", "--data", "spirals", "--n", "200", "--epochs", "3", "--out", run).Code);
        var (code, stdout, err) = CliRunner.Run("sharpness", "--weights", run, "--data", "spirals", "--n", "200", "--dtype", "float64",
            "--measures", "sam,asam,top-eigenvalue,fisher-trace", "--asam-eta", "0", "--reparam-check", "4", "--json");
        Assert.True(code == 0, err);
        var json = JsonNode.Parse(stdout)!.AsObject();
        Assert.True(json["SAM rho-sharpness (rho 0.05)"]!["changed"]!.GetValue<bool>());
        Assert.True(json["top Hessian eigenvalue"]!["changed"]!.GetValue<bool>());
        Assert.True(json["empirical Fisher trace"]!["changed"]!.GetValue<bool>());
        var asam = json["ASAM adaptive sharpness (rho 0.5, eta 0)"]!;
        Assert.False(asam["changed"]!.GetValue<bool>());
        Assert.Equal(asam["before"]!.GetValue<double>(), asam["after"]!.GetValue<double>(), 1e-9);
    }

    [Fact]
    public void Unknown_measure_is_a_user_error()
    {
        var (code, _, err) = CliRunner.Run("sharpness", "--model", CliRunner.Mlp, "--weights", CliRunner.Fixture("mlp.safetensors"), "--measures", "hessian-rank");
        Assert.Equal(2, code);
        Assert.Contains("unknown measure 'hessian-rank'", err);
    }

    [Theory]
    [InlineData("--rho", "-1", "--rho: -1 is not a positive number")]
    [InlineData("--asam-rho", "0", "--asam-rho: 0 is not a positive number")]
    [InlineData("--asam-eta", "-0.5", "--asam-eta: -0.5 is not 0 or more")]
    [InlineData("--pairs", "0", "--pairs: 0 is not 1 or more")]
    public void Bad_radii_and_counts_are_user_errors(string option, string value, string message)
    {
        var (code, _, err) = CliRunner.Run("sharpness", "--model", CliRunner.Mlp, "--weights", CliRunner.Fixture("mlp.safetensors"), option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, err);
    }
}
