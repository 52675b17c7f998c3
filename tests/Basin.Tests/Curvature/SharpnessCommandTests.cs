using System.Text.Json.Nodes;
using Basin.Tests.Cli;

namespace Basin.Tests.Curvature;

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
}
