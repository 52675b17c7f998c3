using Basin.Landscape;

namespace Basin.Experiments;

/// <summary>
/// A figure as data, for a front end to draw as File.png and File.svg: curves against X (or their index) with an
/// optional marked value, 2D paths (over a surface's contour map when one is given), or a surface's contour map alone.
/// </summary>
public sealed record Figure(string File, string Title, string XLabel = "", string YLabel = "")
{
    public IReadOnlyList<(string Name, double[] Values)> Curves { get; init; } = [];
    public double[]? X { get; init; }
    public (double X, string Label)? Marker { get; init; }
    public IReadOnlyList<(string Name, double[][] Points)> Paths { get; init; } = [];
    public Surface? Surface { get; init; }
    /// <summary>Draw the surface's convexity map |min/max eigenvalue| instead of its loss.</summary>
    public bool Convexity { get; init; }
}
