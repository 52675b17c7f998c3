using Basin.Landscape;

namespace Basin.Cluster.Messages;

/// <summary>Surface cells' values on the wire: <see cref="Width"/> float64 values per cell, in <see cref="CellValues"/>'s order.</summary>
internal static class CellCodec
{
    public const int Width = 6;

    public static double[] Encode(CellValues[] cells)
    {
        var flat = new double[cells.Length * Width];
        for (int k = 0; k < cells.Length; k++)
        {
            var c = cells[k];
            flat[k * Width] = c.TrainLoss; flat[k * Width + 1] = c.TrainAccuracy; flat[k * Width + 2] = c.TestLoss;
            flat[k * Width + 3] = c.TestAccuracy; flat[k * Width + 4] = c.MaxEig; flat[k * Width + 5] = c.MinEig;
        }
        return flat;
    }

    public static CellValues Decode(double[] flat, int k) =>
        new(flat[k * Width], flat[k * Width + 1], flat[k * Width + 2], flat[k * Width + 3], flat[k * Width + 4], flat[k * Width + 5]);
}
