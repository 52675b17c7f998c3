using System.Net;
using Basin.Cluster.Coordinator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Basin.Cluster.Worker;

/// <summary>A worker: an Orleans silo in the cluster an address names, computing with this machine's cores.</summary>
internal static class WorkerSilo
{
    /// <summary>
    /// Configures a silo as a Basin worker: membership by the address's provider (a silo of a localhost cluster listens on
    /// <paramref name="siloPort"/>, the first on 11111), the cluster's ids, and failure detection quick enough that a killed
    /// worker's pieces go elsewhere within seconds.
    /// </summary>
    public static void Configure(ISiloBuilder silo, ClusterAddress? address, int threads, IPAddress? advertise = null, int siloPort = 0, int gatewayPort = 0)
    {
        if (address is { } a)
        {
            if (a.Redis is { } redis)
            {
                silo.UseRedisClustering(redis);
                silo.ConfigureEndpoints(advertise ?? a.DefaultAdvertised(), siloPort == 0 ? FreePort() : siloPort, gatewayPort == 0 ? FreePort() : gatewayPort,
                    listenOnAnyHostAddress: true);
            }
            else
            {
                // The first worker on the machine is the primary silo the others and the coordinator find at fixed ports.
                if (siloPort == 0) siloPort = IsFree(ClusterAddress.PrimaryPort) ? ClusterAddress.PrimaryPort : FreePort();
                if (gatewayPort == 0) gatewayPort = siloPort == ClusterAddress.PrimaryPort ? ClusterAddress.PrimaryGateway : FreePort();
                silo.UseLocalhostClustering(siloPort, gatewayPort, new IPEndPoint(IPAddress.Loopback, ClusterAddress.PrimaryPort), ClusterAddress.Id, ClusterAddress.Id);
            }
            silo.Configure<ClusterOptions>(o => { o.ClusterId = ClusterAddress.Id; o.ServiceId = ClusterAddress.Id; });
        }
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(2);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        });
        silo.Configure<SiloMessagingOptions>(ClusterAddress.Configure);
        silo.Services.AddSingleton(new WorkerSettings(threads));
        silo.Services.AddPlacementDirector<SiloKeyPlacement, SiloKeyPlacementDirector>();
    }

    /// <summary>Runs a worker until the process is stopped; <paramref name="ready"/> hears its silo address once it has joined.</summary>
    public static async Task Run(ClusterAddress address, int threads, IPAddress? advertise, int siloPort, int gatewayPort, Action<string> ready, CancellationToken stop)
    {
        var host = new HostBuilder().UseOrleans(silo => Configure(silo, address, threads, advertise, siloPort, gatewayPort)).Build();
        try
        {
            await host.StartAsync(stop);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new BasinException("--cluster", $"the worker could not join {address} ({ClusterConnection.Reason(e)})",
                address.Redis is null ? "on one machine the first worker listens on port 11111; is another process using it?" : "is redis-server running there?");
        }
        ready(host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString());
        try { await Task.Delay(Timeout.Infinite, stop); }
        catch (OperationCanceledException) { }
        // A graceful leave tells the membership; without it (Redis gone) the others notice by probes, so do not wait long.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await host.StopAsync(patience.Token); }
        catch (OperationCanceledException) { }
    }

    static bool IsFree(int port)
    {
        try
        {
            var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (System.Net.Sockets.SocketException) { return false; }
    }

    /// <summary>A TCP port free on loopback now (the system's choice).</summary>
    internal static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
