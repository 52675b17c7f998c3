namespace Basin.Data;

/// <summary>Examples stored as float32 values (synthetic sets, CSV files, sets built in code).</summary>
internal sealed class FloatFeatures(ReadOnlyMemory<float> values, int size) : FeatureStore(values.Length / size, size)
{
    public override void CopyTo(int first, int count, Span<float> destination)
    {
        Check(first, count, destination.Length);
        values.Span.Slice(first * Size, count * Size).CopyTo(destination);
    }

    public override ReadOnlyMemory<float> Values(int first, int count) => values.Slice(first * Size, count * Size);

    public override FeatureStore Slice(int first, int count) => new FloatFeatures(Values(first, count), Size);
}
