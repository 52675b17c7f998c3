namespace Basin.Connectivity;

/// <summary>The shape of a parametric path between two fixed endpoints through trainable bends.</summary>
internal enum CurveKind { Bezier, Polychain }

/// <summary>
/// A curve phi(t), t in [0, 1], from A (t = 0) to B (t = 1) through k bends (Garipov et al. 2018): a Bezier curve
/// of degree k + 1 with the bends as inner control points, or a polygonal chain through the bends at t = i/(k+1).
/// phi is linear in the control points, so d phi(t) / d P_i is the scalar weight <see cref="Weights"/> gives.
/// </summary>
internal sealed class Curve
{
    public CurveKind Kind { get; }
    public double[] A { get; }
    public double[] B { get; }
    public double[][] Bends { get; }

    public Curve(CurveKind kind, double[] a, double[] b, int bends)
    {
        if (bends < 1) throw new BasinException("{bends}", "a curve needs at least one bend");
        Kind = kind; A = a; B = b;
        // Bends start on the straight line, evenly spaced (Garipov et al.'s initialization).
        Bends = Enumerable.Range(1, bends).Select(i =>
        {
            double s = (double)i / (bends + 1);
            return a.Select((x, j) => (1 - s) * x + s * b[j]).ToArray();
        }).ToArray();
    }

    public int Count => Bends.Length + 2;
    double[] Control(int i) => i == 0 ? A : i == Count - 1 ? B : Bends[i - 1];

    /// <summary>Weights w_i(t) of the control points (A, bends..., B): phi(t) = sum_i w_i(t) P_i.</summary>
    public double[] Weights(double t)
    {
        int n = Count - 1;
        var w = new double[Count];
        if (Kind == CurveKind.Bezier)
        {
            for (int i = 0; i <= n; i++) w[i] = Binomial(n, i) * Math.Pow(t, i) * Math.Pow(1 - t, n - i);
            return w;
        }
        double position = Math.Clamp(t, 0, 1) * n;
        int s = Math.Min((int)position, n - 1);
        double u = position - s;
        w[s] = 1 - u;
        w[s + 1] = u;
        return w;
    }

    static double Binomial(int n, int k)
    {
        double r = 1;
        for (int i = 1; i <= k; i++) r = r * (n - k + i) / i;
        return r;
    }

    public double[] At(double t)
    {
        var w = Weights(t);
        var point = new double[A.Length];
        for (int i = 0; i < Count; i++)
        {
            if (w[i] == 0) continue;
            var p = Control(i);
            for (int j = 0; j < point.Length; j++) point[j] += w[i] * p[j];
        }
        return point;
    }

    /// <summary>Length of the curve measured through <paramref name="points"/> samples.</summary>
    public double Length(int points = 101)
    {
        double length = 0;
        var previous = At(0);
        for (int k = 1; k < points; k++)
        {
            var next = At((double)k / (points - 1));
            double s = 0;
            for (int j = 0; j < next.Length; j++) s += (next[j] - previous[j]) * (next[j] - previous[j]);
            length += Math.Sqrt(s);
            previous = next;
        }
        return length;
    }
}
