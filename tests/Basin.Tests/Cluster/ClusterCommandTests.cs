using Basin.Tests.Cli;

namespace Basin.Tests.Cluster;

/// <summary>--cluster and basin worker as a user meets them before any worker runs.</summary>
public class ClusterCommandTests
{
    [Theory]
    [InlineData("surface")]
    [InlineData("hessian")]
    [InlineData("interpolate")]
    [InlineData("sharpness")]
    public void A_cluster_address_that_is_neither_redis_nor_localhost_is_one_line_and_exit_2(string command)
    {
        string[] args = command == "interpolate"
            ? [command, CliRunner.Fixture("mlp.safetensors"), CliRunner.Fixture("mlp.safetensors"), "--model", "mlp:784-100-10", "--cluster", "redis:/oops"]
            : [command, "--weights", CliRunner.Fixture("mlp.safetensors"), "--model", "mlp:784-100-10", "--cluster", "redis:/oops"];
        var (code, _, err) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: --cluster: 'redis:/oops' is not a cluster address\nhint: use redis://HOST:PORT", err.Replace("\r", ""));
    }

    [Fact]
    public void Experiments_that_train_runs_take_a_cluster_and_those_that_do_not_refuse_it()
    {
        string dir = TestPaths.NewDirectory("experiment-cluster");
        var (code, _, err) = CliRunner.Run("experiment", "flatness-reparam", "--quick", "--out", dir, "--cluster", "redis:/oops");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --cluster: 'redis:/oops' is not a cluster address", err);
        (code, _, err) = CliRunner.Run("experiment", "deep-linear", "--quick", "--out", dir, "--cluster", "localhost");
        Assert.Equal(2, code);
        Assert.Contains("--cluster", err);
    }

    [Fact]
    public void A_worker_needs_a_cluster_and_checks_its_ports()
    {
        Assert.Equal(2, CliRunner.Run("worker").Code);
        var (code, _, err) = CliRunner.Run("worker", "--cluster", "localhost", "--silo-port", "-1");
        Assert.Equal(2, code);
        Assert.Contains("--silo-port: -1 is not 0 or more", err);
        (code, _, err) = CliRunner.Run("worker", "--cluster", "localhost", "--advertise", "here");
        Assert.Equal(2, code);
        Assert.Contains("error: --advertise: 'here' is not an IP address", err);
    }
}
