using Basin.Experiments;

namespace Basin.Reports.Plots;

/// <summary>Draws an experiment's <see cref="Figure"/> as File.png and File.svg in a directory.</summary>
internal static class FigurePlot
{
    public static void Save(Figure figure, string directory)
    {
        string stem = Path.Combine(directory, figure.File);
        if (figure.Paths.Count > 0) TrajectoryPlot.Save(figure.Paths, stem, figure.Title, figure.XLabel, figure.YLabel, figure.Surface);
        else if (figure.Curves.Count > 0) TrajectoryPlot.SaveCurves(figure.Curves, stem, figure.Title, figure.XLabel, figure.YLabel, figure.X, figure.Marker);
        else if (figure.Surface is { MaxEig: not null } map && figure.Convexity) SurfacePlots.SaveConvexity(map, stem);
        else if (figure.Surface is { } surface) SurfacePlots.Save(surface, stem);
    }
}
