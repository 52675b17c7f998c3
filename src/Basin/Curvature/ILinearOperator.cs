namespace Basin.Curvature;

/// <summary>A symmetric linear map on R^Dimension, known only through products (curvlinops' LinearOperator).</summary>
public interface ILinearOperator
{
    int Dimension { get; }

    /// <summary>Threads the estimators' vector work beside the products may use (the operator's own, for a curvature operator).</summary>
    int Threads => 1;

    /// <summary>y = A x.</summary>
    void Apply(ReadOnlySpan<double> x, Span<double> y);

    /// <summary>x^T A x; operators that can skip forming A x (a Hessian by a second-order forward pass) override it.</summary>
    double Quadratic(ReadOnlySpan<double> x)
    {
        var y = new double[Dimension];
        Apply(x, y);
        return Vectors.Dot(x, y);
    }
}
