using Basin.Data;

namespace Basin.Cluster.Messages;

/// <summary>A data set made by the coordinator (not a catalog split a worker could load itself), sent whole: its examples as float32.</summary>
[GenerateSerializer, Immutable]
internal sealed record ExamplesMessage(
    [property: Id(0)] string Name,
    [property: Id(1)] string Split,
    [property: Id(2)] int[] Shape,
    [property: Id(3)] float[] Features,
    [property: Id(4)] int[]? Labels,
    [property: Id(5)] int Classes,
    [property: Id(6)] float[]? Targets,
    [property: Id(7)] int TargetSize)
{
    public static ExamplesMessage Of(DataSet data)
    {
        var features = new float[(long)data.Count * data.InputSize];
        data.CopyFeatures(0, data.Count, features);
        return new(data.Name, data.Split, data.InputShape, features, data.Labels, data.Classes, data.Targets, data.TargetSize);
    }

    public DataSet ToDataSet() => new(Name, Shape, Features, Labels, Classes, Targets, TargetSize) { Split = Split };
}
