using System.Net;

namespace Basin.Cluster.Coordinator;

/// <summary>
/// Where a cluster's membership lives, as <c>--cluster</c> names it: <c>redis://HOST:PORT</c> (Orleans' Redis clustering,
/// any number of machines) or <c>localhost</c> (development clustering on one machine, the first worker at port 11111).
/// </summary>
internal sealed record ClusterAddress(string Text, string? Redis)
{
    public const string Id = "basin";
    public const int PrimaryPort = 11111, PrimaryGateway = 30000;

    /// <summary>
    /// The longest one piece (a block of cells, a share of a pass, a training run) may take before its worker counts as lost:
    /// a worker that dies is found by the membership's probes within seconds, so this only bounds a silent one.
    /// </summary>
    public static readonly TimeSpan PieceTimeout = TimeSpan.FromHours(24);

    /// <summary>The largest message: a training run's files come back in one (Orleans' default is 100 MB).</summary>
    public const int MaxMessageBytes = 1 << 30;

    /// <summary>The messaging settings coordinator and workers share.</summary>
    public static void Configure(Orleans.Configuration.MessagingOptions o)
    {
        o.ResponseTimeout = PieceTimeout;
        o.MaxMessageBodySize = MaxMessageBytes;
    }

    public static ClusterAddress Parse(string text)
    {
        if (text.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return new(text, null);
        if (text.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) && text.Length > 8)
        {
            string endpoint = text[8..].TrimEnd('/');
            return new(text, endpoint.Contains(':') ? endpoint : endpoint + ":6379");
        }
        throw new BasinException("--cluster", $"'{text}' is not a cluster address", "use redis://HOST:PORT (workers on any machines) or localhost (one machine)");
    }

    /// <summary>The address other silos reach this one at: loopback for a Redis on this machine, else this host's first IPv4 address.</summary>
    public IPAddress DefaultAdvertised()
    {
        string redis = Redis ?? throw new InvalidOperationException("a localhost cluster advertises loopback");
        string host = redis[..redis.LastIndexOf(':')];
        if (host is "localhost" or "127.0.0.1" or "::1") return IPAddress.Loopback;
        return Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? IPAddress.Loopback;
    }

    public override string ToString() => Text;
}
