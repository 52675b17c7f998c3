using Basin.Data;

namespace Basin.Landscape;

/// <summary>
/// A loss surface around a point (Li et al. 2018): the grid (Y null for a 1D curve), the directions (seeded Gaussians by
/// default, or read from safetensors files, both normalized by Norm; or toward other weights, not normalized), and what to
/// do with it: evaluate Test too, write File (HDF5, loss-landscape's names), resuming it when it holds this very surface
/// unless Force, saving the partial file every FlushEvery cells or about every FlushSeconds.
/// </summary>
public sealed record SurfaceOptions
{
    public Axis X { get; init; } = new(-1, 1, 21);
    public Axis? Y { get; init; }
    public Normalization Norm { get; init; } = Normalization.Filter;
    /// <summary>Which one-dimensional tensors the directions leave at zero; null: biasbn for a model with BatchNorm, else bias.</summary>
    public Ignore? Ignore { get; init; }
    /// <summary>Makes the y direction orthogonal to x before both are normalized.</summary>
    public bool Orthogonalize { get; init; }
    public ulong Seed { get; init; }
    public string? DirectionX { get; init; }
    public string? DirectionY { get; init; }
    public string? TowardX { get; init; }
    public string? TowardY { get; init; }
    public DataSet? Test { get; init; }
    /// <summary>Lanczos steps for the Hessian's extreme eigenvalues at every cell (the convexity map); null: not measured.</summary>
    public int? EigenSteps { get; init; }
    public string? File { get; init; }
    public bool Force { get; init; }
    /// <summary>A file holding another surface (other settings or inputs) is computed afresh rather than refused: an experiment's own files.</summary>
    internal bool ReplaceDifferent { get; init; }
    public int? FlushEvery { get; init; }
    public double FlushSeconds { get; init; } = 10;
    /// <summary>Also write the directions as loss-landscape's direction file, STEM.dir.h5 (xdirection, ydirection).</summary>
    public bool DirectionsHdf5 { get; init; }
}
