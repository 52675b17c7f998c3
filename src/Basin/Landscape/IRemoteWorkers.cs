using Basin.Objective;

namespace Basin.Landscape;

/// <summary>Workers elsewhere that run a point's passes over the data and compute its surfaces' cells, with this process's bits.</summary>
internal interface IRemoteWorkers : IRemoteRisk
{
    /// <summary>Fills the surface's cells not yet done along the directions, saving about every saveSeconds as blocks come back.</summary>
    void Complete(Surface surface, double[] dx, double[]? dy, int? eigenSteps, double saveSeconds, Action<Surface>? save, Action<int>? progress,
        CancellationToken cancel);

    /// <summary>Whether each cell's BatchNorm statistics are recomputed at its point before it is evaluated (update_bn).</summary>
    bool UpdatesBatchNorm => false;
}
