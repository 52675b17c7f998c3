using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Basin.Engine;
using Basin.Models;
using Basin.Tests.Cli;

namespace Basin.Tests.Cluster;

/// <summary>
/// The cluster as a user runs it: Debian's redis-server on loopback, three <c>basin worker</c> processes, a surface
/// coordinated by a fourth, one worker killed with kill -9 halfway; the file must be the one process's, byte for byte.
/// Every process started here is stopped here.
/// </summary>
[Collection("cluster")]
public sealed class ClusterProcessTests
{
    const string Model = "mlp:784-32-10";

    [SkippableFact]
    public void A_surface_over_three_worker_processes_survives_a_kill_9_with_the_file_of_one_process()
    {
        string? redisServer = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        Skip.If(redisServer is null, "redis-server is not installed (apt-get install redis-server; .ci/run installs it)");
        var dir = TestPaths.NewDirectory("cluster");
        string weights = Path.Combine(dir, "w.safetensors");
        var network = ModelSpec.Build<float>(Model, [1, 28, 28]);
        SafeTensors.Write<float>(weights, network.Layout, TestNets.RandomVector<float>(network.ParameterCount, 11, 0.1));
        string[] surface = ["surface", "--model", Model, "--weights", weights, "--n", "300", "--batch", "25", "--threads", "1",
            "--xrange", "-1:1:15", "--yrange", "-1:1:15", "--eigen", "--eigen-steps", "6", "--no-plots", "--flush-seconds", "0.05"];
        string local = Path.Combine(dir, "local.h5"), remote = Path.Combine(dir, "remote.h5");
        Assert.Equal(0, CliRunner.Run([.. surface, "--out", local]).Code);

        int port = Basin.Cluster.Worker.WorkerSilo.FreePort();
        using var redis = Process.Start(new ProcessStartInfo(redisServer!, ["--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true, UseShellExecute = false,
        })!;
        var workers = new List<BasinProcess>();
        try
        {
            Assert.True(SpinWait.SpinUntil(() => Listening(port), TimeSpan.FromSeconds(20)), "redis-server did not start");
            string cluster = $"redis://127.0.0.1:{port}";
            for (int i = 0; i < 3; i++) workers.Add(new BasinProcess(dir, "worker", "--cluster", cluster, "--threads", "1"));
            Assert.All(workers, w => Assert.True(w.WaitForStdout("in cluster", 60), "a worker did not join"));
            using var coordinator = new BasinProcess(dir, [.. surface, "--out", remote, "--cluster", cluster]);
            // The file is first saved once blocks have come back: then every worker holds one, and the second dies with it.
            Assert.True(SpinWait.SpinUntil(() => File.Exists(remote) || coordinator.HasExited, TimeSpan.FromSeconds(150)),
                "no block came back: " + coordinator.Stderr + string.Join("", workers.Select(w => w.Stderr)));
            Assert.True(workers[1].KillAfter(TimeSpan.Zero), "the worker had already stopped");
            var (code, _, err) = coordinator.Wait(240);
            Assert.True(code == 0, err);
            // The killed worker's piece failed, or hung until it was copied to another worker (a piece that went through its
            // gateway to another worker may have too).
            Assert.True(System.Text.RegularExpressions.Regex.IsMatch(err, @"[1-3] worker\(s\) failed a piece, redone elsewhere|[1-3] piece\(s\) copied"), err);
            Assert.Equal(File.ReadAllBytes(local), File.ReadAllBytes(remote));
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
            redis.Kill(entireProcessTree: true);
            redis.WaitForExit();
        }
    }

    static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException) { return false; }
    }
}
