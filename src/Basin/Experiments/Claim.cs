namespace Basin.Experiments;

/// <summary>
/// What a run says of a claim: Holds and Fails are decided by the claim's stated rule; Inconclusive when the run could
/// not decide (a minimum that missed its stopping criterion, an interval that straddles zero).
/// </summary>
public enum Verdict { Holds, Fails, Inconclusive }

/// <summary>
/// A statement of the paper that the run could refute, what it measured, and the verdict by <see cref="Rule"/>; beside it
/// the <see cref="Control"/>, a condition under which the paper predicts the opposite or no effect, with what it gave,
/// and the per-seed measurements of both. An identity that holds by construction is a check, not a claim
/// (<see cref="ExperimentResult.Checks"/>).
/// </summary>
public sealed record Claim(string Statement, string Measured, Verdict Verdict)
{
    public Claim(string statement, string measured, bool holds) : this(statement, measured, holds ? Verdict.Holds : Verdict.Fails) { }

    public bool Holds => Verdict == Verdict.Holds;
    public string Rule { get; init; } = "";
    public (string Condition, string Outcome)? Control { get; init; }
    public IReadOnlyList<double> Seeds { get; init; } = [];
    public IReadOnlyList<double> ControlSeeds { get; init; } = [];
}
