using Basin.Data;
using Basin.Models;
using Basin.Objective;
namespace Basin.Tests.Objective;

public class MemoryEstimateTests
{
    /// <summary>
    /// A deep conv net's shards are cut so that a thread's activations stay small; the memory estimate a job is refused
    /// by must be of those shards. It was of the batch asked: training ResNet-20 on CIFAR-10 was refused as needing
    /// 26.5 GB on a 24 GB machine, for a run whose peak was 0.85 GB.
    /// </summary>
    [Fact]
    public void The_estimate_is_of_the_shards_a_deep_net_is_cut_into_not_of_the_batch_asked()
    {
        var data = new DataSet("random-cifar", [3, 32, 32], new float[600 * 3072], new int[600], 10);
        var net = ModelSpec.Build<float>("resnet20", data.InputShape);
        var risk = new EmpiricalRisk<float>(net, data, "ce", 0, 500, 2);
        Assert.InRange(risk.BatchSize, 1, 100);
        double estimate = EmpiricalRisk<float>.EstimateBytes(net, data, 500, 2);
        Assert.Equal(EmpiricalRisk<float>.EstimateBytes(net, data, risk.BatchSize, 2), estimate);
        Assert.True(estimate >= 2 * net.WorkspaceBytes(risk.BatchSize), "the workspaces allocated are counted");
        Assert.True(estimate < 0.5e9, $"{estimate / 1e9:G3} GB");

        // A BatchNorm training step's minibatch is one shard however large: its estimate is of the whole minibatch.
        double minibatch = EmpiricalRisk<float>.EstimateBytes(net, data, 500, 2, wholeShards: true);
        Assert.True(minibatch >= 2 * net.WorkspaceBytes(500));
    }
}
