using System.Diagnostics;
using System.Numerics;

namespace Basin.Landscape;

/// <summary>
/// Fills the cells of a surface not yet computed, a chunk of cells per pass over the data, saving after each
/// chunk. With a fixed chunk every pass has that many cells; otherwise chunks are sized from the measured time
/// per cell so that a save happens about every <paramref name="saveSeconds"/> (a kill loses at most that much work),
/// and the first, measuring chunk is saved only when it took more than half that (a small surface is written once).
/// With <c>eigenSteps</c>, each cell's Hessian extremes come from one Lanczos run of that many steps at the cell's point.
/// </summary>
internal static class SurfaceComputation
{
    const int FirstChunk = 16, MaxChunk = 4096;

    public static void Complete<T>(Surface s, Objective.EmpiricalRisk<T> train, Objective.EmpiricalRisk<T>? test, T[] theta, T[] dx, T[]? dy,
        int? chunk = null, double saveSeconds = 10, Action<Surface>? save = null, Action<int>? progress = null, CancellationToken cancel = default,
        int? eigenSteps = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var todo = Enumerable.Range(0, s.Cells).Where(c => !s.Done[c]).ToArray();
        int size = Math.Max(1, chunk ?? FirstChunk);
        for (int from = 0; from < todo.Length; from += size)
        {
            cancel.ThrowIfCancellationRequested();
            if (chunk is null && from > 0) size = Math.Clamp((int)(saveSeconds / s.SecondsPerCell), FirstChunk, MaxChunk);
            var cells = todo.AsSpan(from, Math.Min(size, todo.Length - from));
            var clock = Stopwatch.StartNew();
            var a = new double[cells.Length];
            var b = new double[cells.Length];
            for (int k = 0; k < cells.Length; k++) (a[k], b[k]) = s.Coordinates(cells[k]);
            var values = Cells(train, s.HasTest ? test : null, theta, dx, dy, a, b, s.MaxEig is null ? null : eigenSteps ?? 30, cancel);
            for (int k = 0; k < cells.Length; k++) s.Store(cells[k], values[k]);
            s.SecondsPerCell = Math.Max(1e-9, clock.Elapsed.TotalSeconds / cells.Length);
            bool last = from + size >= todo.Length;
            if (last || chunk is not null || from > 0 || clock.Elapsed.TotalSeconds > saveSeconds / 2) save?.Invoke(s);
            progress?.Invoke(s.Completed);
        }
    }

    /// <summary>
    /// The values of the cells at coordinates (a[k], b[k]): the training (and test) loss and accuracy in a pass over the data
    /// for all of them, and with <paramref name="eigenSteps"/> each one's Hessian extremes. A cell's values do not depend on
    /// the others computed with it, so cells may be computed anywhere, in any groups.
    /// </summary>
    public static CellValues[] Cells<T>(Objective.EmpiricalRisk<T> train, Objective.EmpiricalRisk<T>? test, T[] theta, T[] dx, T[]? dy,
        double[] a, double[] b, int? eigenSteps, CancellationToken cancel) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new CellValues[a.Length];
        var results = new Objective.Evaluation[a.Length];
        train.EvaluatePlane(theta, dx, dy ?? [], a, b, results);
        for (int k = 0; k < a.Length; k++) values[k] = new CellValues(results[k].Loss, results[k].Accuracy);
        if (test is not null)
        {
            test.EvaluatePlane(theta, dx, dy ?? [], a, b, results);
            for (int k = 0; k < a.Length; k++) values[k] = values[k] with { TestLoss = results[k].Loss, TestAccuracy = results[k].Accuracy };
        }
        if (eigenSteps is { } steps)
            for (int k = 0; k < a.Length; k++)
            {
                cancel.ThrowIfCancellationRequested();
                var (max, min) = Extremes(train, theta, dx, dy, a[k], b[k], steps);
                values[k] = values[k] with { MaxEig = max, MinEig = min };
            }
        return values;
    }

    /// <summary>The Hessian's largest and smallest eigenvalue at theta + a dx + b dy: both ends of one Lanczos run.</summary>
    static (double Max, double Min) Extremes<T>(Objective.EmpiricalRisk<T> risk, T[] theta, T[] dx, T[]? dy, double a, double b, int steps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var point = new T[theta.Length];
        T ta = T.CreateChecked(a), tb = T.CreateChecked(b);
        for (int i = 0; i < point.Length; i++) point[i] = theta[i] + ta * dx[i] + (dy is null ? T.Zero : tb * dy[i]);
        return Curvature.Spectrum.Extremes(new Curvature.HessianOperator<T>(risk, point), steps, seed: 0);
    }
}
