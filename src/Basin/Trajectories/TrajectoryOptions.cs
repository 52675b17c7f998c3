namespace Basin.Trajectories;

/// <summary>
/// How to draw runs' checkpoints in one frame: Method pca (their PCA plane around Reference, by default the first run's
/// final weights; with SurfaceGrid cells per side, the loss surface of that plane) or mds. The loss is taken on the first
/// run's training data unless Data, DataDir or N say otherwise.
/// </summary>
public sealed record TrajectoryOptions
{
    public string Method { get; init; } = "pca";
    public string? Reference { get; init; }
    /// <summary>Cells per side of the PCA plane's loss surface (at least 3); 0 for none.</summary>
    public int SurfaceGrid { get; init; }
    public string? Data { get; init; }
    public string? DataDir { get; init; }
    public int? N { get; init; }

    /// <summary>
    /// Where the plane's surface is computed, when not here: runs the action given on the reference point (float32) moved
    /// there (a GPU), whose remote fills the surface's cells.
    /// </summary>
    internal Action<LossLandscape, Action<LossLandscape>>? Device { get; init; }
}
