using System.Numerics;

namespace Basin.Landscape;

/// <summary>Fills the cells of a surface not yet computed, a chunk of cells per pass over the data, saving after each chunk.</summary>
public static class SurfaceComputation
{
    public static void Complete<T>(Surface s, Objective.Objective<T> train, Objective.Objective<T>? test, T[] theta, T[] dx, T[]? dy,
        int chunk, Action<Surface>? save = null, Action<int>? progress = null, CancellationToken cancel = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var todo = Enumerable.Range(0, s.Cells).Where(c => !s.Done[c]).ToArray();
        var results = new Objective.Evaluation[Math.Max(1, chunk)];
        for (int from = 0; from < todo.Length; from += chunk)
        {
            cancel.ThrowIfCancellationRequested();
            var cells = todo.AsSpan(from, Math.Min(chunk, todo.Length - from));
            var a = new double[cells.Length];
            var b = new double[cells.Length];
            for (int k = 0; k < cells.Length; k++) (a[k], b[k]) = s.Coordinates(cells[k]);
            train.EvaluatePlane(theta, dx, dy ?? [], a, b, results);
            for (int k = 0; k < cells.Length; k++) { s.TrainLoss[cells[k]] = results[k].Loss; s.TrainAccuracy[cells[k]] = results[k].Accuracy; }
            if (test is not null && s.HasTest)
            {
                test.EvaluatePlane(theta, dx, dy ?? [], a, b, results);
                for (int k = 0; k < cells.Length; k++) { s.TestLoss![cells[k]] = results[k].Loss; s.TestAccuracy![cells[k]] = results[k].Accuracy; }
            }
            foreach (int c in cells) s.Done[c] = true;
            save?.Invoke(s);
            progress?.Invoke(s.Completed);
        }
    }
}
