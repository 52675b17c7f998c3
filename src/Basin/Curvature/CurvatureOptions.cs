namespace Basin.Curvature;

/// <summary>
/// What to measure of a curvature matrix (Operator: hessian, ggn or fisher) in one call, PyHessian's analysis and more:
/// Lanczos' Top and Bottom eigenvalues, power iteration's (for comparison), Hutchinson's and Hutch++'s trace, the
/// Frobenius norm, the empirical Fisher's exact trace, the spectral density (SLQ), or the explicit matrix (Exact).
/// </summary>
public sealed record CurvatureOptions
{
    public string Operator { get; init; } = "hessian";
    public int Top { get; init; } = 5;
    public int Bottom { get; init; }
    /// <summary>Lanczos steps for Top and Bottom (default 3K + 40, at least 60).</summary>
    public int? LanczosSteps { get; init; }
    public int Power { get; init; }
    public int PowerIterations { get; init; } = 100;
    public double PowerTolerance { get; init; } = 1e-3;
    public bool Trace { get; init; }
    /// <summary>Most Rademacher probes of Trace and Frobenius.</summary>
    public int Probes { get; init; } = 200;
    public double TraceTolerance { get; init; } = 0.01;
    /// <summary>Products of a Hutch++ trace (0: none).</summary>
    public int HutchPlusPlus { get; init; }
    public bool Frobenius { get; init; }
    public bool FisherTrace { get; init; }
    public bool Density { get; init; }
    public DensityOptions DensityOptions { get; init; } = new();
    public bool Exact { get; init; }
    public ulong Seed { get; init; }
    /// <summary>Threads of the eigensolvers' vector work (0: every core; the results do not depend on it).</summary>
    public int Threads { get; init; }
}
