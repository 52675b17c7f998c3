namespace Basin.Curvature;

/// <summary>An explicit symmetric matrix as an operator, so every estimator can be checked on known matrices.</summary>
internal sealed class DenseOperator(double[,] matrix) : ILinearOperator
{
    public double[,] Matrix { get; } = matrix;
    public int Dimension => Matrix.GetLength(0);

    public void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        int n = Dimension;
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < n; j++) s += Matrix[i, j] * x[j];
            y[i] = s;
        }
    }

    /// <summary>The n x n matrix of any operator, column by column (n products).</summary>
    public static double[,] Materialize(ILinearOperator op)
    {
        int n = op.Dimension;
        var m = new double[n, n];
        var e = new double[n];
        var col = new double[n];
        for (int j = 0; j < n; j++)
        {
            e[j] = 1;
            op.Apply(e, col);
            e[j] = 0;
            for (int i = 0; i < n; i++) m[i, j] = col[i];
        }
        return m;
    }
}
