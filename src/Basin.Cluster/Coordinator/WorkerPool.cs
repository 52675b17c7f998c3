using Basin.Cluster.Messages;

namespace Basin.Cluster.Coordinator;

/// <summary>
/// Hands a job's pieces to the cluster's workers, one piece per worker at a time, and takes each result as it comes. When a
/// piece fails (its worker killed, unreachable, timed out, or only the gateway that carried it lost) it goes to another
/// worker, and its worker rests for <see cref="Rest"/> before it is given another: one that the membership then declares
/// dead is lost, one that is still there works on. A piece that takes far longer than the others is copied to an idle
/// worker at the end of the job. A worker that joins takes pieces from then on; when no worker is left
/// for <see cref="WaitForWorkers"/>, the job stops with an error and the pieces done so far are kept by the caller.
/// Pieces that need no job on the workers (training runs) come with none.
/// </summary>
/// <param name="what">What its pieces are, plural (surface blocks, training runs).</param>
/// <param name="handedOut">Hears each piece as it is handed to a worker.</param>
/// <param name="log">Hears, as they happen, workers joining and failing and pieces copied, and every <see cref="StatusEvery"/> each worker's count.</param>
internal sealed class WorkerPool(IClusterClient client, WorkerJob? job, string what, Action<SiloAddress, int>? handedOut = null, TextWriter? log = null)
{
    static readonly TimeSpan Rest = TimeSpan.FromSeconds(2);
    static readonly TimeSpan MembershipTimeout = TimeSpan.FromSeconds(5), FirstMembershipTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a job waits with no worker to give a piece to before it stops.</summary>
    public TimeSpan WaitForWorkers { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often, while pieces run, the log hears each worker's pieces done and what it is doing.</summary>
    public TimeSpan StatusEvery { get; init; } = TimeSpan.FromSeconds(10);

    readonly System.Diagnostics.Stopwatch sinceStatus = System.Diagnostics.Stopwatch.StartNew();

    readonly Dictionary<SiloAddress, IWorkerGrain> prepared = [];

    // Workers whose piece failed, and when.
    readonly Dictionary<SiloAddress, long> failed = [];

    /// <summary>Pieces done per worker, for the coordinator's report.</summary>
    public Dictionary<string, int> Done { get; } = [];

    /// <summary>Wall time of the job's runs, from handing out the first piece to taking the last result.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>Seconds the workers spent computing the pieces taken (the rest of <see cref="Elapsed"/>, on one worker, is overhead).</summary>
    public double Computing { get; private set; }

    /// <summary>Pieces copied to another worker because theirs did not answer in time.</summary>
    public int Copies { get; private set; }

    /// <summary>Workers that failed a piece during the job.</summary>
    public int Failed => failed.Count;

    /// <summary>Workers that failed a piece during the job and have left the cluster.</summary>
    public int Lost => failed.Keys.Count(w => !members.Contains(w));

    SiloAddress[] members = [];
    // Whether the last membership read answered: while it does not, workers that have failed get no more pieces.
    bool fresh;

    /// <summary>
    /// Workers now in the cluster (those last known, while the membership cannot be asked: its grain's silo may be the one
    /// lost). The question has its own short bound: a request whose silo died behind a gateway is never answered, and the
    /// client's own timeout is as long as a training run.
    /// </summary>
    public async Task<List<SiloAddress>> Workers()
    {
        try
        {
            // The first question has time to be answered on a loaded machine: a job plans its blocks by the workers it hears of.
            var bound = members.Length == 0 ? FirstMembershipTimeout : MembershipTimeout;
            members = [.. (await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(bound)).Keys];
            fresh = true;
        }
        catch (Exception e) when (IsWorkerLost(e)) { fresh = false; }
        return members.OrderBy(s => s.ToString(), StringComparer.Ordinal).ToList();
    }

    /// <summary>A worker whose piece failed waits a while, and while the membership is silent, for good.</summary>
    bool Resting(SiloAddress worker) =>
        failed.TryGetValue(worker, out long at) && (!fresh || System.Diagnostics.Stopwatch.GetElapsedTime(at) < Rest);

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
        var finished = new bool[pieces];
        int left = pieces;
        var running = new Dictionary<Task<TResult>, (SiloAddress Worker, int Piece, long Start)>();
        var seconds = new List<double>();
        var alone = System.Diagnostics.Stopwatch.StartNew();
        var seen = new HashSet<SiloAddress>();
        void Fail(SiloAddress worker, int piece, string why)
        {
            log?.WriteLine($"cluster: worker {worker} failed piece {piece} ({why}); it goes to another");
            failed[worker] = System.Diagnostics.Stopwatch.GetTimestamp();
            Forget(worker);
            if (!finished[piece] && !pending.Contains(piece) && !running.Values.Any(r => r.Piece == piece)) pending.Enqueue(piece);
        }
        try
        {
            while (left > 0)
            {
                cancel.ThrowIfCancellationRequested();
                var workers = await Workers();
                // A worker the membership has declared dead never answers (the client is not told of silos behind its gateways).
                foreach (var (task, (worker, piece, _)) in running.Where(r => !workers.Contains(r.Value.Worker)).ToList())
                {
                    running.Remove(task);
                    Fail(worker, piece, "the cluster declared it dead");
                }
                bool starting = seen.Count == 0;
                foreach (var worker in workers)
                    if (seen.Add(worker) && !starting) log?.WriteLine($"cluster: worker {worker} joined");
                foreach (var worker in workers)
                {
                    if (Resting(worker) || running.Values.Any(r => r.Worker.Equals(worker))) continue;
                    int? copy = pending.Count > 0 ? null : Straggler(running.Values, seconds);
                    if ((pending.Count > 0 ? pending.Dequeue() : copy) is not int piece) break;
                    if (copy is not null)
                    {
                        Copies++;
                        log?.WriteLine($"cluster: piece {piece} has not answered for 3 times the median; copied to worker {worker}");
                    }
                    running[Piece(worker, piece, compute)] = (worker, piece, System.Diagnostics.Stopwatch.GetTimestamp());
                    handedOut?.Invoke(worker, piece);
                }
                if (running.Count == 0)
                {
                    if (alone.Elapsed > WaitForWorkers)
                        throw new BasinException("--cluster", $"every worker is gone ({Lost} lost during the job), {left} pieces left",
                            "start workers again (basin worker --cluster ...) and run the same command: what was done is kept");
                    await Task.Delay(250, cancel);
                    continue;
                }
                alone.Restart();
                Status(pieces - left, pieces, workers, running.Values.Select(r => r.Worker));
                // Wake at least every second to hand pieces to workers that joined, and copies of stragglers to idle ones.
                await Task.WhenAny(running.Keys.Cast<Task>().Append(Task.Delay(1000, cancel)));
                foreach (var task in running.Keys.Where(t => t.IsCompleted).ToList())
                {
                    var (worker, piece, started) = running[task];
                    running.Remove(task);
                    if (task.IsCompletedSuccessfully)
                    {
                        seconds.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
                        Done[worker.ToString()] = Done.GetValueOrDefault(worker.ToString()) + 1;
                        Computing += task.Result.Seconds;
                        if (finished[piece]) continue;
                        finished[piece] = true;
                        left--;
                        done(piece, task.Result);
                    }
                    else if (IsWorkerLost(task.Exception!.GetBaseException())) Fail(worker, piece, ClusterConnection.Reason(task.Exception));
                    else System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(task.Exception!.GetBaseException());
                }
            }
        }
        finally
        {
            // Copies of pieces done elsewhere, and pieces of an abandoned job, end unobserved.
            foreach (var task in running.Keys) _ = task.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }
    }

    /// <summary>The pieces done of this run, and per worker its pieces done in the job and whether it computes one now, rests after a failure or waits.</summary>
    void Status(int done, int pieces, List<SiloAddress> workers, IEnumerable<SiloAddress> busy)
    {
        if (log is null || sinceStatus.Elapsed < StatusEvery) return;
        sinceStatus.Restart();
        var computing = busy.ToHashSet();
        log.WriteLine($"cluster: {done}/{pieces} {what} done; " + string.Join(", ", workers.Select(w =>
            $"{w}: {Done.GetValueOrDefault(w.ToString())} done, {(computing.Contains(w) ? "computing" : Resting(w) ? "resting after a failure" : "waiting")}")));
    }

    /// <summary>
    /// A piece to copy to an idle worker once none is waiting: the oldest running alone for over three times the pieces'
    /// median round trip (at least two seconds; a minute before any has come back). A response lost with a gateway that
    /// died never comes, though its worker lives on; whichever copy answers first is taken (they have the same bits).
    /// </summary>
    static int? Straggler(IEnumerable<(SiloAddress Worker, int Piece, long Start)> running, List<double> seconds)
    {
        double limit = seconds.Count == 0 ? 60 : Math.Max(2, 3 * seconds.Order().ElementAt(seconds.Count / 2));
        var alone = running.GroupBy(r => r.Piece).Where(g => g.Count() == 1).Select(g => g.First())
            .Where(r => System.Diagnostics.Stopwatch.GetElapsedTime(r.Start).TotalSeconds > limit).ToList();
        return alone.Count == 0 ? null : alone.MinBy(r => r.Start).Piece;
    }

    // Pieces run concurrently: the prepared workers are shared between them.
    void Forget(SiloAddress worker)
    {
        lock (prepared) prepared.Remove(worker);
    }

    /// <summary>
    /// Failures of a worker or of reaching it (Orleans' own exceptions: a silo unavailable, a message rejected, no gateway),
    /// timeouts and cancelled requests, after which its piece is given to another; any other exception ends the job.
    /// </summary>
    static bool IsWorkerLost(Exception e) =>
        e is TimeoutException or OperationCanceledException || e.GetType().Namespace?.StartsWith("Orleans", StringComparison.Ordinal) == true;

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
        if (job is not null && await grain.Prepare(job) is { } refusal) throw new BasinException(refusal.What, refusal.Why, refusal.Hint);
        lock (prepared) prepared[worker] = grain;
        return grain;
    }

    /// <summary>Tells every worker that holds the job to forget it.</summary>
    public async Task Release()
    {
        if (job is null) return;
        IWorkerGrain[] holding;
        lock (prepared) holding = [.. prepared.Values];
        foreach (var grain in holding)
            try { await grain.Release(job.Id); }
            catch (Exception e) when (IsWorkerLost(e)) { }
    }

    /// <summary>Pieces per worker, the job's time on the cluster, and workers lost, to the log.</summary>
    public void Report() =>
        log?.WriteLine($"cluster: {Done.Values.Sum()} {what} in {Elapsed.TotalSeconds:F3} s ({Computing:F3} s computing on the workers); per worker: {string.Join(", ", Done.Select(d => $"{d.Key} {d.Value}"))}" +
            (Failed > 0 ? $"; {Failed} worker(s) failed a piece, redone elsewhere ({Lost} of them gone from the cluster)" : "") +
            (Copies > 0 ? $"; {Copies} piece(s) copied to another worker, theirs not answering" : ""));
}
