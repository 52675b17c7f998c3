using Basin.Cluster.Worker;
using Orleans.TestingHost;

namespace Basin.Tests.Cluster;

/// <summary>Three worker silos in this process (Orleans' TestingHost), one thread each, and a client to them.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    sealed class Workers : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) => WorkerSilo.Configure(silo, null, threads: 1);
    }

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(3);
        builder.AddSiloBuilderConfigurator<Workers>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
