using System.Diagnostics;

namespace Basin.Landscape;

/// <summary>
/// Saves a surface whose cells come in from elsewhere (workers, a GPU) about every <paramref name="seconds"/>, and once
/// more at the end when cells were stored since, so that a stopped job keeps what was done; reports the cells done.
/// </summary>
internal sealed class PeriodicSave(Surface surface, double seconds, Action<Surface>? save, Action<int>? progress)
{
    readonly Stopwatch sinceSave = Stopwatch.StartNew();
    bool saved = true;

    /// <summary>After storing cells: saves when it is time, and reports.</summary>
    public void Stored()
    {
        saved = false;
        if (sinceSave.Elapsed.TotalSeconds >= seconds)
        {
            save?.Invoke(surface);
            saved = true;
            sinceSave.Restart();
        }
        progress?.Invoke(surface.Completed);
    }

    /// <summary>At the end, finished or not: saves what is not saved yet.</summary>
    public void Finish()
    {
        if (!saved) save?.Invoke(surface);
    }
}
