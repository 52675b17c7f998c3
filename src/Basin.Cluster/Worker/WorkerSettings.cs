namespace Basin.Cluster.Worker;

/// <summary>How a worker silo computes: threads of its own cores per piece (0: every core).</summary>
internal sealed record WorkerSettings(int Threads);
