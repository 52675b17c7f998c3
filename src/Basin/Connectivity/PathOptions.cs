namespace Basin.Connectivity;

/// <summary>
/// The path between two minima: the straight line, a Bezier curve or polygonal chain with trained bends (Garipov et al.
/// 2018), or a nudged elastic band with climbing image and AutoNEB insertion (Draxler et al. 2018).
/// </summary>
public enum PathKind { Line, Bezier, Polychain, Neb }

/// <summary>
/// How a path is found and evaluated: bends and the SGD of their training (epochs, learning rate, momentum, seed of the
/// minibatch order and the t draws), or the band's images, iterations per cycle, step (LearningRate) and cycles; Points
/// evenly spaced values of t at which the path is evaluated.
/// </summary>
public sealed record PathOptions(PathKind Kind)
{
    public int Bends { get; init; } = 1;
    public int Epochs { get; init; } = 20;
    public double LearningRate { get; init; } = 0.05;
    public double Momentum { get; init; } = 0.9;
    public int Images { get; init; } = 8;
    public int Iterations { get; init; } = 200;
    public int Cycles { get; init; } = 2;
    public int Points { get; init; } = 41;
    public ulong Seed { get; init; }
}

/// <summary>
/// A path evaluated at T (0 at the first minimum, 1 at the second): training (and test) loss and accuracy there, its
/// barrier (highest loss minus the larger end) and length.
/// </summary>
public sealed record PathResult(PathKind Kind, double[] T, Objective.Evaluation[] Train, Objective.Evaluation[]? Test, double Barrier, double Length)
{
    /// <summary>The trained curve, for a Bezier or polygonal path.</summary>
    internal Curve? Curve { get; init; }
}
