namespace Basin.Curvature;

/// <summary>
/// Which flatness measures to take and their settings: Keskar's box sizes, SAM's and ASAM's radii (eta 0 makes ASAM
/// invariant to rescaling), the training-error increase PAC-Bayes allows, the minibatch size and pair count of the
/// gradient disagreement, and the seed of every probe and draw.
/// </summary>
public sealed record SharpnessOptions
{
    public static readonly IReadOnlyList<string> AllMeasures =
        ["epsilon", "sam", "asam", "pac-bayes", "fisher-trace", "hessian-trace", "top-eigenvalue", "log-basin-volume", "disagreement"];

    public IReadOnlyList<string> Measures { get; init; } = AllMeasures;
    public IReadOnlyList<double> Epsilons { get; init; } = [1e-3, 5e-4];
    public double Rho { get; init; } = 0.05;
    public double AsamRho { get; init; } = 0.5;
    public double AsamEta { get; init; } = 0.01;
    public double PacDeviation { get; init; } = 0.1;
    public int DisagreementBatch { get; init; } = 128;
    public int Pairs { get; init; } = 10;
    public ulong Seed { get; init; }
}
