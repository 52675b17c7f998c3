using System.Net;
using System.Runtime.InteropServices;
using Basin.Cluster.Coordinator;
using Basin.Cluster.Worker;

namespace Basin.Cli.Commands;

/// <summary><c>basin worker</c>: a silo of a cluster, computing the pieces of jobs that commands run with --cluster hand out.</summary>
internal static class WorkerCommand
{
    public static Command Create(TextWriter stdout)
    {
        var cluster = new Option<string>("--cluster")
        {
            Description = "the cluster to join: redis://HOST:PORT (membership in Redis, workers on any machines) or localhost (this machine only)",
            Required = true,
        };
        var threads = new Option<int>("--threads") { Description = "threads per piece of work (default: all cores)", DefaultValueFactory = _ => 0 };
        var advertise = new Option<string?>("--advertise") { Description = "the address other machines reach this worker at (default: loopback for a local Redis, else this host's first IPv4 address)" };
        var siloPort = new Option<int>("--silo-port") { Description = "port for the other workers (default: a free one; on localhost the first worker takes 11111)" };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "port for coordinators (default: a free one; on localhost the first worker takes 30000)" };
        var command = new Command("worker", "Join a cluster as a worker: commands run with --cluster hand it blocks of surfaces and shares of passes over the data (Hessian products, full-batch gradients).");
        foreach (var o in new Option[] { cluster, threads, advertise, siloPort, gatewayPort }) command.Options.Add(o);
        command.SetAction(r =>
        {
            var address = ClusterAddress.Parse(r.GetValue(cluster)!);
            IPAddress? advertised = null;
            if (r.GetValue(advertise) is { } text && !IPAddress.TryParse(text, out advertised))
                throw new BasinException("--advertise", $"'{text}' is not an IP address", "e.g. --advertise 10.0.0.5");
            int n = Tensors.Executor.Threads(r.GetValue(threads));
            var stop = Interruption.Token;
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, e => { e.Cancel = true; Interruption.Cancel(); });
            WorkerSilo.Run(address, n, advertised, r.GetValue(siloPort), r.GetValue(gatewayPort),
                silo => stdout.WriteLine($"worker {silo} in cluster {address}, {n} thread{(n == 1 ? "" : "s")}; Ctrl-C stops it"), stop).GetAwaiter().GetResult();
            stdout.WriteLine("worker stopped");
            return Cli.Ok;
        });
        return command;
    }
}
