using Basin.Data;

namespace Basin.Tests;

static class DataSetValues
{
    /// <summary>Every example's features as float32, as a pass reads them.</summary>
    public static float[] Values(this DataSet data)
    {
        var x = new float[data.Count * data.InputSize];
        data.CopyFeatures(0, data.Count, x);
        return x;
    }
}
