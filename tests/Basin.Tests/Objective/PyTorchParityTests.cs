using System.Numerics;
using System.Text.Json.Nodes;
using Basin.Data;
using Basin.Models;

namespace Basin.Tests.Objective;

/// <summary>
/// Numbers from bench/pytorch_reference.py (PyTorch 1.13, double backprop) on the same weights and the first
/// 2,000 Fashion-MNIST training images, which are the embedded fashion-mnist-mini set.
/// </summary>
public class PyTorchParityTests
{
    static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch");
    static readonly JsonObject Expected = JsonNode.Parse(File.ReadAllText(Path.Combine(Dir, "expected.json")))!.AsObject();

    static (EmpiricalRisk<T> F, T[] Theta, T[] V, JsonObject Expect) Load<T>(string name, string key) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var entry = Expected[name]!.AsObject();
        var data = DataCatalog.Load(DataCatalog.Embedded, "train");
        var net = ModelSpec.Build<T>(entry["spec"]!.GetValue<string>(), data.InputShape);
        var theta = SafeTensors.ReadTheta<T>(Path.Combine(Dir, $"{name}.safetensors"), net.Layout);
        var v = SafeTensors.ReadTheta<T>(Path.Combine(Dir, $"{name}-v.safetensors"), net.Layout);
        return (new EmpiricalRisk<T>(net, data, "ce", 0, 500, 2), theta, v, entry[key]!.AsObject());
    }

    static double Rel(double a, double b) => Math.Abs(a - b) / Math.Abs(b);

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void Float64_loss_gradient_and_hessian_vector_product_match_pytorch(string name)
    {
        var (f, theta, v, e) = Load<double>(name, "float64_2k");
        var eval = f.Evaluate(theta);
        Assert.True(Rel(eval.Loss, e["loss"]!.GetValue<double>()) < 1e-12);
        Assert.Equal(e["accuracy"]!.GetValue<double>(), eval.Accuracy);
        var g = new double[f.Dimension];
        f.Gradient(theta, g);
        Assert.True(Rel(TestNets.Norm(g), e["grad_norm"]!.GetValue<double>()) < 1e-10);
        var hv = new double[f.Dimension];
        f.HessianVectorProduct(theta, v, hv);
        Assert.True(Rel(TestNets.Norm(hv), e["hv_norm"]!.GetValue<double>()) < 1e-10);
        Assert.True(Rel(TestNets.Dot(v, hv), e["v_dot_hv"]!.GetValue<double>()) < 1e-10);
        var idx = e["hv_indices"]!.AsArray();
        var val = e["hv_values"]!.AsArray();
        double scale = TestNets.Norm(hv) / Math.Sqrt(hv.Length);
        for (int i = 0; i < idx.Count; i++)
            Assert.True(Math.Abs(hv[idx[i]!.GetValue<int>()] - val[i]!.GetValue<double>()) <= 1e-10 * scale, $"hv[{idx[i]}]");
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void Float32_loss_and_accuracy_match_pytorch(string name)
    {
        var (f, theta, v, e) = Load<float>(name, "float32_2k");
        var eval = f.Evaluate(theta);
        Assert.True(Rel(eval.Loss, e["loss"]!.GetValue<double>()) < 1e-5);
        Assert.Equal(e["accuracy"]!.GetValue<double>(), eval.Accuracy);
        var hv = new float[f.Dimension];
        f.HessianVectorProduct(theta, v, hv);
        double norm = Math.Sqrt(hv.Sum(x => (double)x * x));
        Assert.True(Rel(norm, e["hv_norm"]!.GetValue<double>()) < 1e-4);
    }
}
