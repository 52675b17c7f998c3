namespace Basin.Objective;

/// <summary>
/// A process-wide team of worker threads for short data-parallel regions (a minibatch gradient takes well under
/// a millisecond): workers spin briefly between regions instead of going back to the thread pool, so waking
/// them costs microseconds. Region bodies receive a fixed worker index, which keeps work assignment
/// deterministic. One region runs at a time; a caller that finds the team busy runs its region alone.
/// </summary>
internal static class WorkerTeam
{
    static readonly int Size = Math.Max(0, Environment.ProcessorCount - 1);
    static readonly ManualResetEventSlim[] Start = new ManualResetEventSlim[Size];
    static readonly object Gate = new();
    static Action<int>? body;
    static int pending;
    static Exception? failure;

    static WorkerTeam()
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
            try { body!(index); }
            catch (Exception e) { failure = e; }
            Interlocked.Decrement(ref pending);
        }
    }

    /// <summary>Runs body(0) ... body(parallelism - 1), in parallel where workers are free.</summary>
    public static void Run(int parallelism, Action<int> region)
    {
        int helpers = Math.Min(parallelism - 1, Size);
        if (helpers <= 0 || !Monitor.TryEnter(Gate))
        {
            for (int t = 0; t < parallelism; t++) region(t);
            return;
        }
        try
        {
            body = region;
            failure = null;
            Volatile.Write(ref pending, helpers);
            for (int i = 0; i < helpers; i++) Start[i].Set();
            region(0);
            for (int t = helpers + 1; t < parallelism; t++) region(t);
            var spin = new SpinWait();
            while (Volatile.Read(ref pending) > 0) spin.SpinOnce(-1);
            body = null;
            if (failure is { } e) throw new AggregateException(e);
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    /// <summary>Elements of one chunk of <see cref="ForChunks"/>.</summary>
    public const int Chunk = 16384;

    /// <summary>
    /// Runs body(from, length) over fixed chunks of [0, length), shared out to up to <paramref name="parallelism"/>
    /// workers. Which worker takes a chunk never changes what the chunk computes, so element-wise work gives the same
    /// bits for any thread count.
    /// </summary>
    public static void ForChunks(int length, int parallelism, Action<int, int> body)
    {
        int chunks = (length + Chunk - 1) / Chunk, threads = Math.Clamp(parallelism, 1, Math.Max(chunks, 1));
        void Chunks(int t)
        {
            for (int c = t; c < chunks; c += threads) body(c * Chunk, Math.Min(Chunk, length - c * Chunk));
        }
        if (threads == 1) Chunks(0);
        else Run(threads, Chunks);
    }
}
