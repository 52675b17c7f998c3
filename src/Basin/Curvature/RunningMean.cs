namespace Basin.Curvature;

/// <summary>Welford's running mean and the standard error of the mean of a stream of samples.</summary>
internal struct RunningMean
{
    double m2;

    public int Count { get; private set; }
    public double Mean { get; private set; }

    /// <summary>sqrt(sample variance / Count); NaN below two samples.</summary>
    public readonly double StandardError => Count > 1 ? Math.Sqrt(m2 / (Count - 1) / Count) : double.NaN;

    public void Add(double sample)
    {
        Count++;
        double delta = sample - Mean;
        Mean += delta / Count;
        m2 += delta * (sample - Mean);
    }
}
