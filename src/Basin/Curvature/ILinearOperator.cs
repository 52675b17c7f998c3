namespace Basin.Curvature;

/// <summary>A symmetric linear map on R^Dimension, known only through products (curvlinops' LinearOperator).</summary>
public interface ILinearOperator
{
    int Dimension { get; }

    /// <summary>y = A x.</summary>
    void Apply(ReadOnlySpan<double> x, Span<double> y);
}

/// <summary>An operator that gives x^T A x more cheaply than A x (a Hessian by a second-order forward pass).</summary>
internal interface IQuadraticForm
{
    double Quadratic(ReadOnlySpan<double> x);
}

internal static class LinearOperators
{
    /// <summary>x^T A x: the operator's own quadratic form where it has one, else x . (A x).</summary>
    public static double Quadratic(this ILinearOperator op, ReadOnlySpan<double> x)
    {
        if (op is IQuadraticForm form) return form.Quadratic(x);
        var y = new double[op.Dimension];
        op.Apply(x, y);
        return Vectors.Dot(x, y);
    }
}

/// <summary>A curvature matrix of a loss at a point, as an operator that counts the products it has computed.</summary>
public interface ICurvatureOperator : ILinearOperator
{
    long Products { get; }
}
