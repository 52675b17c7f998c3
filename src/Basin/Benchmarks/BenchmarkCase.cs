namespace Basin.Benchmarks;

/// <summary>One timed case: the median seconds of a call, and the FLOPs a dense implementation of it does.</summary>
internal sealed record BenchmarkCase(string Name, double Seconds, double Flops, string Detail)
{
    public double FlopsPerSecond => Flops / Seconds;
}
