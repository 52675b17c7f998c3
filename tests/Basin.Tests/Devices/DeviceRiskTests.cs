using Basin.Data;
using Basin.Devices;
using Basin.Tensors;

namespace Basin.Tests.Devices;

/// <summary>A network's loss and accuracy over a data set on each backend against the CPU engine's layer-by-layer evaluation.</summary>
public sealed class DeviceRiskTests : IDisposable
{
    readonly TestBackends backends = new();

    public void Dispose() => backends.Dispose();

    // The CPU accelerator runs every GPU thread as .NET code: the convolutions take a few images (still two chunks).
    static readonly (string Spec, int N, int Chunk)[] Cases =
    [
        ("linear(784,16),tanh,linear(16,10)", 150, 64),
        ("flatten,linear(784,12),relu,linear(12,12),sigmoid,linear(12,10,bias=false)", 150, 64),
        ("conv2d(1,4,3,padding=1),relu,maxpool2d(2),conv2d(4,6,3,stride=2),tanh,flatten,linear(216,10)", 10, 6),
        ("conv2d(1,3,5,bias=false),softplus,maxpool2d(3,stride=2),flatten,linear(363,10)", 10, 6),
        ("features:[conv2d(1,4,3,padding=1),batchnorm2d(4),relu,maxpool2d(3,stride=2,ceil_mode=true)],flatten,linear(784,16),batchnorm1d(16,affine=false),tanh,linear(16,10)", 10, 6),
        ("resnet8(in=1,width=4)", 4, 3),
        ("conv2d(1,4,3,stride=2),avgpool2d(3,stride=2,ceil_mode=true),relu,flatten,linear(144,10)", 10, 6),
    ];

    public static TheoryData<string, string, int, int> Networks => TestBackends.On(Cases);

    [Theory]
    [MemberData(nameof(Networks))]
    public void A_networks_loss_and_accuracy_equal_the_cpu_engines(string on, string spec, int n, int chunk)
    {
        var backend = backends[on];
        var data = DataCatalog.Load(DataCatalog.Embedded, "train", null, n);
        var network = Basin.Models.ModelSpec.Build<float>(spec, data.InputShape);
        var theta = TestNets.RandomVector<float>(network.ParameterCount, 5, 0.2);
        // Running statistics of their own, so that eval-mode BatchNorm is not the identity: means near 0, variances in [0.5, 1.5].
        var rng = new Rng(7, 0);
        foreach (var t in network.Buffers.Tensors.Where(t => !t.IsCount))
            for (int i = 0; i < t.Length; i++)
                network.Buffers.Values[t.Offset + i] = t.Name.EndsWith("running_var") ? 0.5 + rng.NextDouble() : 0.1 * rng.NextGaussian();
        var expected = new Basin.Objective.EmpiricalRisk<float>(network, data, "ce", 0, 50, 1).Evaluate(theta);
        // The last chunk partial.
        using var risk = new DeviceRisk(backend, network, data, chunk);
        var got = risk.Evaluate(theta);
        Assert.Equal(expected.Loss, got.Loss, 1e-5 * expected.Loss);
        Assert.Equal(expected.Accuracy, got.Accuracy);
        Assert.Equal(n, got.Count);
    }

}
