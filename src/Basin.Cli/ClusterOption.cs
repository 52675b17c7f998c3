using System.Runtime.CompilerServices;
using Basin.Cluster.Coordinator;
using Basin.Cluster.Messages;

namespace Basin.Cli;

/// <summary>
/// <c>--cluster ADDRESS</c> on a command a cluster serves: the command runs here as the coordinator and its work on the
/// workers of the cluster (started with <c>basin worker</c>), with the same results.
/// </summary>
internal sealed class ClusterOption
{
    public readonly Option<string?> Address = new("--cluster")
    {
        Description = "run the work on the workers of this cluster (redis://HOST:PORT, or localhost), each started with basin worker; same results",
    };

    public void AddTo(Command command) => command.Options.Add(Address);

    /// <summary>
    /// Runs <paramref name="body"/> on the landscape, its work on the cluster when one is named: the workers load the data
    /// <paramref name="c"/>'s options name (train, and the test split of <paramref name="test"/>) and check it by its hash.
    /// </summary>
    public T Run<T>(ParseResult r, CommonOptions c, LossLandscape landscape, DataSet? test, int? testN, TextWriter stderr, Func<LossLandscape, T> body) =>
        r.GetValue(Address) is { } address ? OnCluster(r, c, landscape, test, testN, address, stderr, body) : body(landscape);

    /// <summary>Runs <paramref name="body"/> with the cluster's workers as the trainer of independent runs when one is named, else with none.</summary>
    public T Trainer<T>(ParseResult r, TextWriter stderr, Func<Training.IRemoteTrainer?, T> body) =>
        r.GetValue(Address) is { } address ? WithTrainer(address, stderr, body) : body(null);

    [MethodImpl(MethodImplOptions.NoInlining)]
    static T WithTrainer<T>(string address, TextWriter stderr, Func<Training.IRemoteTrainer?, T> body) =>
        Connected(ClusterAddress.Parse(address), client => body(new ClusterTrainer(client, stderr)));

    /// <summary>Trains the run, its full-batch gradients computed by the cluster's workers when one is named.</summary>
    public void Train(ParseResult r, Training.TrainingRun run, TextWriter stderr, Action body)
    {
        if (r.GetValue(Address) is { } address) TrainOnCluster(run, address, stderr, body);
        else body();
    }

    // Apart, so that a command without --cluster never loads Orleans.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static void TrainOnCluster(Training.TrainingRun run, string address, TextWriter stderr, Action body)
    {
        var cluster = ClusterAddress.Parse(address);
        var config = run.Config;
        if (config.RandomLabels > 0)
            throw new BasinException("--cluster", "random labels are drawn here, so the workers' data would differ", "leave --cluster or --random-labels out");
        var request = new DataRequest(config.Data, "train", config.DataDir, config.N, config.Normalize, run.Train.ContentHash);
        int parameters = ModelSpec.Build<float>(config.Model, run.Train.InputShape).ParameterCount;
        OnWorkers(cluster, ClusterWorkers.Job(config, parameters, request), stderr, workers =>
        {
            run.Remote = workers;
            body();
            return Cli.Ok;
        });
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static T OnCluster<T>(ParseResult r, CommonOptions c, LossLandscape landscape, DataSet? test, int? testN, string address, TextWriter stderr,
        Func<LossLandscape, T> body)
    {
        var cluster = ClusterAddress.Parse(address);
        DataRequest Request(DataSet d, int? n)
        {
            var source = c.Source(r, d.Split, n);
            return new(source.Name, d.Split, source.Dir, source.N, source.Normalize, d.ContentHash);
        }
        var job = ClusterWorkers.Job(landscape, Request(landscape.Data, r.GetValue(c.N)), test is null ? null : Request(test, testN),
            r.GetValue(c.Loss)!, r.GetValue(c.L2), r.GetValue(c.Batch));
        return OnWorkers(cluster, job, stderr, workers => body(landscape.Remote(workers)));
    }

    /// <summary>Connects to the cluster, runs <paramref name="body"/> with its workers holding the job, and ends the job there.</summary>
    static T OnWorkers<T>(ClusterAddress cluster, WorkerJob job, TextWriter stderr, Func<ClusterWorkers, T> body) => Connected(cluster, client =>
    {
        var workers = new ClusterWorkers(client, job, stderr);
        var result = body(workers);
        workers.Finish();
        return result;
    });

    /// <summary>Connects to the cluster, runs <paramref name="body"/> with its client, and disconnects.</summary>
    static T Connected<T>(ClusterAddress cluster, Func<IClusterClient, T> body)
    {
        var connection = ClusterConnection.Open(cluster);
        try
        {
            return body(connection.Client);
        }
        finally
        {
            connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
