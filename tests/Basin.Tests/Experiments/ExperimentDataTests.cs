using Basin.Data;
using Basin.Experiments;

namespace Basin.Tests.Experiments;

/// <summary>The image experiments study the data set they are given (and, where the paper allows, the network); the synthetic ones refuse both.</summary>
public class ExperimentDataTests
{
    /// <summary>A CIFAR-10-format folder: one training batch of 40 records and a test batch of 20, labels r mod 10.</summary>
    static string Cifar()
    {
        string dir = TestPaths.NewDirectory("cifar");
        foreach (var (name, count) in new[] { ("data_batch_1.bin", 40), ("test_batch.bin", 20) })
        {
            var bytes = new byte[count * Cifar10.RecordSize];
            new Random(count).NextBytes(bytes);
            for (int r = 0; r < count; r++) bytes[r * Cifar10.RecordSize] = (byte)(r % 10);
            File.WriteAllBytes(Path.Combine(dir, name), bytes);
        }
        return dir;
    }

    [Fact]
    public void Networks_follow_the_shape_and_classes_of_the_data_given()
    {
        var cifar = new ExperimentInputs("cifar10", Cifar(), null);
        var theory = new TheoryTwoRuns(cifar, 30, 4, TestPaths.NewDirectory("t2"));
        Assert.Equal(30, theory.Train.Count);
        Assert.Equal(20, theory.Test.Count);
        Assert.Equal("conv2d(3,4,3,padding=1),relu,maxpool2d(2),flatten,linear(1024,10)", theory.Spec());
        Assert.Equal(4 * 3 * 9 + 4 + 1024 * 10 + 10, theory.Parameters);
        var skip = new SkipConnectionsRuns(cifar, 30, 4, 2, 1, TestPaths.NewDirectory("skip"));
        Assert.Equal("resnet8_noshort(in=3,width=4)", skip.Spec(8, false));
        var flat = new FlatnessReparamRuns(cifar, 32, 30, TestPaths.NewDirectory("flat"));
        Assert.Equal("linear(3072,32),relu,linear(32,10)", flat.Model);
        Assert.Equal(3072 * 32 + 32 + 32 * 10 + 10, flat.Net().ParameterCount);
        // The embedded subset stays the default, with the networks the experiments always had.
        var mini = new TheoryTwoRuns(ExperimentInputs.Default, 100, 8, TestPaths.NewDirectory("t2"));
        Assert.Equal("conv2d(1,8,3,padding=1),relu,maxpool2d(2),flatten,linear(1568,10)", mini.Spec());
        Assert.Equal(DataCatalog.Load(DataCatalog.Embedded, "train", n: 100).ContentHash, mini.Train.ContentHash);
    }

    [Fact]
    public void A_network_given_replaces_the_experiments_own_only_where_the_paper_allows()
    {
        var good = new GoodBadMinimaRuns(new ExperimentInputs(DataCatalog.Embedded, null, "linear(784,20),tanh,linear(20,10)"), 64, 200, TestPaths.NewDirectory("gb"));
        Assert.Equal("linear(784,20),tanh,linear(20,10)", good.Model);
        Assert.Equal("linear(784,64),relu,linear(64,10)", new GoodBadMinimaRuns(ExperimentInputs.Default, 64, 200, TestPaths.NewDirectory("gb")).Model);
        var synthetic = Assert.Throws<BasinException>(() => Experiment.Find("deep-linear").Run(TestPaths.NewDirectory("dl"), quick: true, data: "mnist"));
        Assert.Contains("synthetic problem", synthetic.Why);
        var fixedNets = Assert.Throws<BasinException>(() => Experiment.Find("theory2").Run(TestPaths.NewDirectory("t2"), quick: true, model: "mlp:784-10-10"));
        Assert.Equal("{model}", fixedNets.What);
        var noPair = Assert.Throws<BasinException>(() => Experiment.Find("flatness-reparam").Run(TestPaths.NewDirectory("fr"), quick: true,
            parameters: new Dictionary<string, double> { ["seeds"] = 2 }, model: "linear(784,10)"));
        Assert.Contains("no pair of layers", noPair.Why);
        var tabular = Assert.Throws<BasinException>(() => Experiment.Find("theory2").Run(TestPaths.NewDirectory("t2"), quick: true, data: "spirals"));
        Assert.Contains("studies images", tabular.Why);
    }
}
