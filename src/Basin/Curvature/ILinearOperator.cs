namespace Basin.Curvature;

/// <summary>A symmetric linear map on R^Dimension, known only through products (curvlinops' LinearOperator).</summary>
public interface ILinearOperator
{
    int Dimension { get; }

    /// <summary>y = A x.</summary>
    void Apply(ReadOnlySpan<double> x, Span<double> y);
}
