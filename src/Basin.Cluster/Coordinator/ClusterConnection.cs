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
            client.Configure<ClientMessagingOptions>(ClusterAddress.Configure);
            // Workers that are starting get a few seconds; none at all is an error, not minutes of retries.
            var connecting = System.Diagnostics.Stopwatch.StartNew();
            client.UseConnectionRetryFilter(async (_, cancel) =>
            {
                if (connecting.Elapsed > ConnectPatience) return false;
                await Task.Delay(500, cancel);
                return true;
            });
        }).Build();
        try
        {
            host.StartAsync().GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            host.Dispose();
            throw new BasinException("--cluster", $"no worker answers at {address} ({Reason(e)})",
                $"start workers first: basin worker --cluster {address}");
        }
        return new ClusterConnection(host);
    }

    static readonly TimeSpan ConnectPatience = TimeSpan.FromSeconds(10);

    /// <summary>An Orleans or Redis failure's first sentence (the rest is advice for their own configuration).</summary>
    public static string Reason(Exception e)
    {
        string message = e.GetBaseException().Message;
        return message.IndexOf(". ", StringComparison.Ordinal) is > 0 and var end ? message[..end] : message.TrimEnd('.');
    }

    public async ValueTask DisposeAsync()
    {
        try { await host.StopAsync(TimeSpan.FromSeconds(5)); }
        finally { host.Dispose(); }
    }
}
