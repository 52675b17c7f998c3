namespace Basin.Tensors;

/// <summary>Work run once per worker: <see cref="Run"/>(w) for every worker index w of a region.</summary>
internal interface IWorkerBody
{
    void Run(int worker);
}

/// <summary>Element-wise work over one fixed chunk [from, from + length) of a longer range.</summary>
internal interface IChunkBody
{
    void Run(int from, int length);
}

/// <summary>
/// The one deterministic executor of the engine: a process-wide team of worker threads for short data-parallel regions
/// (a minibatch gradient takes well under a millisecond). Workers spin briefly between regions instead of going back to
/// the thread pool, so waking them costs microseconds, and each region body receives a fixed worker index, which keeps
/// work assignment deterministic. Bodies are structs, handed to the workers through a static slot per body type, so a
/// region allocates nothing. One region runs at a time; a caller that finds the team busy runs its region alone.
/// A body must not change its own fields while it runs (every worker runs the same copy); it writes to the arrays it holds.
/// </summary>
internal static class Executor
{
    static readonly int Size = Math.Max(0, Environment.ProcessorCount - 1);
    static readonly ManualResetEventSlim[] Start = new ManualResetEventSlim[Size];
    static readonly object Gate = new();
    static Action<int>? region;
    static int pending;
    static Exception? failure;

    static Executor()
    {
        for (int i = 0; i < Size; i++)
        {
            Start[i] = new ManualResetEventSlim(false, 2047);
            int index = i + 1;
            new Thread(() => Work(index)) { IsBackground = true, Name = $"basin-worker-{index}" }.Start();
        }
    }

    static void Work(int index)
    {
        var start = Start[index - 1];
        while (true)
        {
            start.Wait();
            start.Reset();
            try { region!(index); }
            catch (Exception e) { failure = e; }
            Interlocked.Decrement(ref pending);
        }
    }

    /// <summary>The body a region's workers run, and the cached delegate that runs it (one per body type).</summary>
    static class Slot<TBody> where TBody : struct, IWorkerBody
    {
        public static TBody Body;
        public static readonly Action<int> Run = worker => Body.Run(worker);
    }

    /// <summary>Runs body.Run(0) ... body.Run(parallelism - 1), in parallel where workers are free.</summary>
    public static void Run<TBody>(int parallelism, TBody body) where TBody : struct, IWorkerBody
    {
        int helpers = Math.Min(parallelism - 1, Size);
        // A region started from inside a region (its caller holds the gate, which is reentrant) runs alone too.
        if (helpers <= 0 || Monitor.IsEntered(Gate) || !Monitor.TryEnter(Gate))
        {
            for (int t = 0; t < parallelism; t++) body.Run(t);
            return;
        }
        try
        {
            Slot<TBody>.Body = body;
            region = Slot<TBody>.Run;
            failure = null;
            Volatile.Write(ref pending, helpers);
            for (int i = 0; i < helpers; i++) Start[i].Set();
            body.Run(0);
            for (int t = helpers + 1; t < parallelism; t++) body.Run(t);
            var spin = new SpinWait();
            while (Volatile.Read(ref pending) > 0) spin.SpinOnce(-1);
            region = null;
            Slot<TBody>.Body = default;
            if (failure is { } e) throw new AggregateException(e);
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    /// <summary>Elements of one chunk of <see cref="ForChunks{TBody}"/>.</summary>
    public const int Chunk = 16384;

    /// <summary>Chunks of a range: worker t runs chunks t, t + threads, ...</summary>
    readonly struct Chunks<TBody>(TBody body, int length, int chunks, int threads) : IWorkerBody where TBody : struct, IChunkBody
    {
        public void Run(int worker)
        {
            for (int c = worker; c < chunks; c += threads) body.Run(c * Chunk, Math.Min(Chunk, length - c * Chunk));
        }
    }

    /// <summary>
    /// Runs body.Run(from, length) over fixed chunks of [0, length), shared out to up to <paramref name="parallelism"/>
    /// workers. Which worker takes a chunk never changes what the chunk computes, so element-wise work gives the same
    /// bits for any thread count.
    /// </summary>
    public static void ForChunks<TBody>(int length, int parallelism, TBody body) where TBody : struct, IChunkBody
    {
        int chunks = (length + Chunk - 1) / Chunk, threads = Math.Clamp(parallelism, 1, Math.Max(chunks, 1));
        var all = new Chunks<TBody>(body, length, chunks, threads);
        if (threads == 1) all.Run(0);
        else Run(threads, all);
    }

    [ThreadStatic] static int budget;

    /// <summary>
    /// Threads that work started on this thread may use for regions it opens itself (a layer's own split): set by the
    /// objective from its thread count, every core by default.
    /// </summary>
    public static int Budget
    {
        get => budget <= 0 ? Size + 1 : budget;
        set => budget = value;
    }

    /// <summary>Threads for a parallelism setting: 0 or less means every core.</summary>
    public static int Threads(int parallelism) => parallelism <= 0 ? Environment.ProcessorCount : parallelism;

    /// <summary>
    /// For a worker of a region whose workers run shards side by side (when <paramref name="sideBySide"/>): a budget of one
    /// thread until disposed. A layer's own split would otherwise run its parts one after another on the worker (the team
    /// is busy), cut for a team: a convolution's groups of examples, and so its products, smaller for nothing.
    /// </summary>
    public static BudgetScope OwnThreadOnly(bool sideBySide)
    {
        var scope = new BudgetScope(budget);
        if (sideBySide) budget = 1;
        return scope;
    }

    /// <summary>Restores this thread's budget as it was.</summary>
    public readonly struct BudgetScope(int saved) : IDisposable
    {
        public void Dispose() => budget = saved;
    }
}
