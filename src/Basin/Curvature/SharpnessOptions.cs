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

    /// <summary>Refuses names no measure has, and sizes no measure can use.</summary>
    public void Validate()
    {
        foreach (var m in Measures)
            if (!AllMeasures.Contains(m)) throw new BasinException("{measures}", $"unknown measure '{m}'", "known: " + string.Join(", ", AllMeasures));
        foreach (var e in Epsilons)
            if (!(e > 0 && double.IsFinite(e))) throw new BasinException("{eps}", $"'{e}' is not a positive number");
        foreach (var (name, value) in new[] { ("rho", Rho), ("asam-rho", AsamRho), ("pac-deviation", PacDeviation) })
            if (!(value > 0 && double.IsFinite(value)))
                throw new BasinException($"{{{name}}}", $"{value} is not a positive number", "the defaults are 0.05 (rho), 0.5 (asam-rho) and 0.1 (pac-deviation)");
        if (!(AsamEta >= 0)) throw new BasinException("{asam-eta}", $"{AsamEta} is not 0 or more", "0 makes ASAM rescaling-invariant");
    }
}
