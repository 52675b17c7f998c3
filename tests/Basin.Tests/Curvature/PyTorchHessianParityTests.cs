using System.Text.Json.Nodes;
using Basin.Curvature;
using Basin.Data;
using Basin.Models;

namespace Basin.Tests.Curvature;

/// <summary>bench/pytorch_hessian.py (double backprop, float64) on the engine-core MLP and the first 2,000 images.</summary>
public class PyTorchHessianParityTests
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", name);

    [Fact]
    public void Top_three_eigenvalues_and_exact_fisher_trace_match_pytorch()
    {
        var expected = JsonNode.Parse(File.ReadAllText(Fixture("hessian.json")))!;
        var data = DataCatalog.Load(DataCatalog.Embedded, "train");
        var net = ModelSpec.Build<double>(CliRunnerModel, data.InputShape);
        var theta = SafeTensors.ReadTheta<double>(Fixture("mlp.safetensors"), net.Layout);
        var f = new EmpiricalRisk<double>(net, data, "ce", 0, 500, 2);
        var hessian = new HessianOperator<double>(f, theta);
        var top = Spectrum.Top(hessian, new LanczosOptions(3) { Steps = 80 }, seed: 0);
        for (int i = 0; i < 3; i++)
        {
            double theirs = expected["top3"]![i]!.GetValue<double>();
            Assert.True(Math.Abs(top.Values[i] - theirs) <= 1e-6 * Math.Abs(theirs), $"lambda_{i + 1}: {top.Values[i]} vs {theirs}");
        }
        double fisher = new FisherOperator<double>(f, theta).Trace();
        double theirTrace = expected["fisher_trace"]!.GetValue<double>();
        Assert.True(Math.Abs(fisher - theirTrace) <= 1e-6 * theirTrace, $"{fisher} vs {theirTrace}");
    }

    const string CliRunnerModel = "linear(784,100),relu,linear(100,10)";
}
