using System.Text.Json.Nodes;
using Basin.Data;
using Basin.Landscape;
using Basin.Models;

namespace Basin.Tests.Landscape;

/// <summary>Against bench/surface_fixtures.sh: PyTorch's filter normalization and loss surfaces of the engine-core CNN.</summary>
public class SurfaceParityTests
{
    const string Cnn = "conv2d(1,8,3,padding=1),relu,maxpool2d(2),conv2d(8,16,3,padding=1),relu,maxpool2d(2),flatten,linear(784,10)";
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    static (EmpiricalRisk<T> F, T[] Theta) Load<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var data = DataCatalog.Load(DataCatalog.Embedded, "train");
        var net = ModelSpec.Build<T>(Cnn, data.InputShape);
        return (new EmpiricalRisk<T>(net, data, "ce", 0, 500, 2), SafeTensors.ReadTheta<T>(Fixture("pytorch/cnn.safetensors"), net.Layout));
    }

    [Fact]
    public void Filter_normalization_matches_pytorch()
    {
        var (f, theta) = Load<double>();
        foreach (var axis in new[] { "x", "y" })
        {
            var raw = SafeTensors.ReadTheta<double>(Fixture($"surface/raw.dir_{axis}.safetensors"), f.Network.Layout);
            var theirs = SafeTensors.ReadTheta<double>(Fixture($"surface/torch.dir_{axis}.safetensors"), f.Network.Layout);
            Directions.Normalize<double>(raw, theta, f.Network.Layout, Normalization.Filter, Ignore.Bias);
            double scale = theirs.Max(Math.Abs);
            for (int i = 0; i < raw.Length; i++) Assert.True(Math.Abs(raw[i] - theirs[i]) <= 1e-6 * scale, $"entry {i}");
        }
    }

    static void Surface<T>(string file, double tolerance) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var (f, theta) = Load<T>();
        var dx = SafeTensors.ReadTheta<T>(Fixture("surface/torch.dir_x.safetensors"), f.Network.Layout);
        var dy = SafeTensors.ReadTheta<T>(Fixture("surface/torch.dir_y.safetensors"), f.Network.Layout);
        var expected = JsonNode.Parse(File.ReadAllText(Fixture(file)))!;
        var axis = new Axis(-1, 1, 5);
        var s = new Surface(axis, axis, false, new Dictionary<string, string>());
        SurfaceComputation.Complete(s, f, null, theta, dx, dy, chunk: 7);
        for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++)
        {
            double theirs = expected["loss"]![i]![j]!.GetValue<double>();
            Assert.True(Math.Abs(s.TrainLoss[i * 5 + j] - theirs) <= tolerance * theirs, $"cell ({i},{j}): {s.TrainLoss[i * 5 + j]} vs {theirs}");
        }
    }

    [Fact]
    public void Float64_surface_matches_pytorch_to_1e_10() => Surface<double>("surface/torch-f64.json", 1e-10);

    [Fact]
    public void Float32_surface_matches_pytorch_to_1e_5() => Surface<float>("surface/torch-f32.json", 1e-5);
}
