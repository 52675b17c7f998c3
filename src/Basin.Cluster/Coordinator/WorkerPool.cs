using Basin.Cluster.Messages;

namespace Basin.Cluster.Coordinator;

/// <summary>
/// Hands a job's pieces to the cluster's workers, one piece per worker at a time, and takes each result as it comes. A
/// worker that fails (killed, unreachable, timed out) is dropped and its piece goes to another; a worker that joins takes
/// pieces from then on; when no worker is left for <see cref="WaitForWorkers"/>, the job stops with an error and the pieces
/// done so far are kept by the caller.
/// </summary>
/// <param name="handedOut">Hears each piece as it is handed to a worker.</param>
internal sealed class WorkerPool(IClusterClient client, WorkerJob job, Action<SiloAddress, int>? handedOut = null)
{
    public static TimeSpan WaitForWorkers { get; set; } = TimeSpan.FromSeconds(30);

    readonly Dictionary<SiloAddress, IWorkerGrain> prepared = [];
    readonly HashSet<SiloAddress> lost = [];

    /// <summary>Pieces done per worker, for the coordinator's report.</summary>
    public Dictionary<string, int> Done { get; } = [];

    /// <summary>Wall time of the job's runs, from handing out the first piece to taking the last result.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>Seconds the workers spent computing the pieces taken (the rest of <see cref="Elapsed"/>, on one worker, is overhead).</summary>
    public double Computing { get; private set; }

    /// <summary>Workers that failed during the job.</summary>
    public int Lost => lost.Count;

    SiloAddress[] members = [];

    /// <summary>Workers now in the cluster and not lost (those last known, while the membership cannot be asked: its grain's silo may be the one lost).</summary>
    public async Task<List<SiloAddress>> Workers()
    {
        try { members = [.. (await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Keys]; }
        catch (Exception e) when (IsWorkerLost(e)) { }
        return members.Where(s => !lost.Contains(s)).OrderBy(s => s.ToString(), StringComparer.Ordinal).ToList();
    }

    /// <summary>Computes pieces 0 .. pieces - 1 by <paramref name="compute"/> (null: the worker no longer holds the job), passing each result to <paramref name="done"/>.</summary>
    public async Task Run<TResult>(int pieces, Func<IWorkerGrain, int, Task<TResult?>> compute, Action<int, TResult> done, CancellationToken cancel)
        where TResult : class, IComputed
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        try { await Share(pieces, compute, done, cancel); }
        finally { Elapsed += System.Diagnostics.Stopwatch.GetElapsedTime(start); }
    }

    async Task Share<TResult>(int pieces, Func<IWorkerGrain, int, Task<TResult?>> compute, Action<int, TResult> done, CancellationToken cancel)
        where TResult : class, IComputed
    {
        var pending = new Queue<int>(Enumerable.Range(0, pieces));
        var running = new Dictionary<Task<TResult>, (SiloAddress Worker, int Piece)>();
        var alone = System.Diagnostics.Stopwatch.StartNew();
        while (pending.Count > 0 || running.Count > 0)
        {
            cancel.ThrowIfCancellationRequested();
            var workers = await Workers();
            // A worker the membership has declared dead never answers (the client is not told of silos behind its gateways).
            foreach (var (task, (worker, piece)) in running.Where(r => !workers.Contains(r.Value.Worker)).ToList())
            {
                running.Remove(task);
                Lose(worker, piece, pending);
                _ = task.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
            }
            foreach (var worker in workers)
            {
                if (pending.Count == 0) break;
                if (running.Values.Any(r => r.Worker.Equals(worker))) continue;
                int piece = pending.Dequeue();
                running[Piece(worker, piece, compute)] = (worker, piece);
                handedOut?.Invoke(worker, piece);
            }
            if (running.Count == 0)
            {
                if (alone.Elapsed > WaitForWorkers)
                    throw new BasinException("--cluster", $"every worker is gone ({lost.Count} lost during the job), {pending.Count} pieces left",
                        "start workers again (basin worker --cluster ...) and run the same command: what was done is kept");
                await Task.Delay(250, cancel);
                continue;
            }
            alone.Restart();
            // Wake at least every second to hand pieces to workers that joined.
            await Task.WhenAny(running.Keys.Cast<Task>().Append(Task.Delay(1000, cancel)));
            foreach (var task in running.Keys.Where(t => t.IsCompleted).ToList())
            {
                var (worker, piece) = running[task];
                running.Remove(task);
                if (task.IsCompletedSuccessfully)
                {
                    done(piece, task.Result);
                    Computing += task.Result.Seconds;
                    Done[worker.ToString()] = Done.GetValueOrDefault(worker.ToString()) + 1;
                }
                else if (IsWorkerLost(task.Exception!.GetBaseException())) Lose(worker, piece, pending);
                else System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(task.Exception!.GetBaseException());
            }
        }
    }

    void Lose(SiloAddress worker, int piece, Queue<int> pending)
    {
        lost.Add(worker);
        Forget(worker);
        pending.Enqueue(piece);
    }

    // Pieces run concurrently: the prepared workers are shared between them.
    void Forget(SiloAddress worker)
    {
        lock (prepared) prepared.Remove(worker);
    }

    /// <summary>Failures of a worker or of reaching it, after which its piece is given to another; any other exception ends the job.</summary>
    static bool IsWorkerLost(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException
            or ClientNotAvailableException or GatewayTooBusyException or OperationCanceledException
        || e.GetType().Namespace?.StartsWith("Orleans", StringComparison.Ordinal) == true && e is not BasinException;

    async Task<TResult> Piece<TResult>(SiloAddress worker, int piece, Func<IWorkerGrain, int, Task<TResult?>> compute) where TResult : class, IComputed
    {
        for (int attempt = 0; ; attempt++)
        {
            var grain = await Prepared(worker);
            if (await compute(grain, piece) is { } result) return result;
            // The worker lost the job (its grain was restarted): prepare it again, once.
            Forget(worker);
            if (attempt > 0) throw new SiloUnavailableException($"worker {worker} keeps losing the job");
        }
    }

    /// <summary>The worker's grain (keyed by its silo, placed there), holding the job (sent once per worker).</summary>
    async Task<IWorkerGrain> Prepared(SiloAddress worker)
    {
        lock (prepared)
            if (prepared.TryGetValue(worker, out var ready)) return ready;
        var grain = client.GetGrain<IWorkerGrain>(worker.ToParsableString());
        if (await grain.Prepare(job) is { } refusal) throw new BasinException(refusal.What, refusal.Why, refusal.Hint);
        lock (prepared) prepared[worker] = grain;
        return grain;
    }

    /// <summary>Tells every worker that holds the job to forget it.</summary>
    public async Task Release()
    {
        IWorkerGrain[] holding;
        lock (prepared) holding = [.. prepared.Values];
        foreach (var grain in holding)
            try { await grain.Release(job.Id); }
            catch (Exception e) when (IsWorkerLost(e)) { }
    }
}
