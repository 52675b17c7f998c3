using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Basin.Cluster.Coordinator;

/// <summary>The coordinator's Orleans client, connected to the workers of a cluster address.</summary>
internal sealed class ClusterConnection : IAsyncDisposable
{
    readonly IHost host;

    public IClusterClient Client { get; }

    ClusterConnection(IHost host)
    {
        this.host = host;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    public static ClusterConnection Open(ClusterAddress address)
    {
        var host = new HostBuilder().UseOrleansClient(client =>
        {
            if (address.Redis is { } redis) client.UseRedisClustering(redis);
            else client.UseLocalhostClustering(ClusterAddress.PrimaryGateway, ClusterAddress.Id, ClusterAddress.Id);
            client.Configure<ClusterOptions>(o => { o.ClusterId = ClusterAddress.Id; o.ServiceId = ClusterAddress.Id; });
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ClusterAddress.PieceTimeout);
        }).Build();
        try
        {
            host.StartAsync().GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            host.Dispose();
            throw new BasinException("--cluster", $"no worker answers at {address}: {e.GetBaseException().Message}",
                $"start workers first: basin worker --cluster {address}");
        }
        return new ClusterConnection(host);
    }

    public async ValueTask DisposeAsync()
    {
        try { await host.StopAsync(TimeSpan.FromSeconds(5)); }
        finally { host.Dispose(); }
    }
}
