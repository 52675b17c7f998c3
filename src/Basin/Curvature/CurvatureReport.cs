using System.Diagnostics;
using System.Text.Json.Nodes;
using Basin.Models;

namespace Basin.Curvature;

/// <summary>What <see cref="CurvatureOptions"/> asked of one curvature matrix at one point; a null field was not asked for.</summary>
public sealed record CurvatureReport(string Matrix, int N, int Parameters)
{
    /// <summary>Every eigenvalue (descending), the trace and the Frobenius norm of the explicit matrix.</summary>
    public (double[] All, double Trace, double Frobenius)? Exact { get; init; }
    public Eigenpairs? Top { get; init; }
    public Eigenpairs? Bottom { get; init; }
    public Eigenpairs? Power { get; init; }
    public TraceEstimate? Trace { get; init; }
    public TraceEstimate? HutchPlusPlus { get; init; }
    /// <summary>||H||_F^2 estimated from E||H z||^2.</summary>
    public TraceEstimate? FrobeniusSquared { get; init; }
    public double? FisherTrace { get; init; }
    public SpectralDensityResult? Density { get; init; }
    public long Products { get; init; }
    public double Seconds { get; init; }

    /// <summary>Negative eigenvalues of the explicit matrix (beyond round-off): the saddle index.</summary>
    public int? NegativeEigenvalues => Exact is { All: var all } ? all.Count(v => v < -1e-10 * Math.Abs(all[0])) : null;

    /// <summary>Measures <paramref name="op"/> (an N-example, P-parameter matrix) as <paramref name="o"/> asks.</summary>
    internal static CurvatureReport Measure(string matrix, ICurvatureOperator op, int n, CurvatureOptions o, Func<double> fisherTrace)
    {
        var clock = Stopwatch.StartNew();
        var report = new CurvatureReport(matrix, n, op.Dimension);
        if (o.Exact) report = report with { Exact = Spectrum.Exact(op) };
        if (o.Top > 0) report = report with { Top = Spectrum.Top(op, new LanczosOptions(o.Top) { Steps = o.LanczosSteps, Threads = o.Threads }, o.Seed) };
        if (o.Bottom > 0) report = report with { Bottom = Spectrum.Bottom(op, new LanczosOptions(o.Bottom) { Steps = o.LanczosSteps, Threads = o.Threads }, o.Seed) };
        if (o.Power > 0)
            report = report with { Power = Spectrum.Power(op, new PowerOptions(o.Power) { MaxIterations = o.PowerIterations, Tolerance = o.PowerTolerance, Threads = o.Threads }, o.Seed) };
        if (o.Trace) report = report with { Trace = Curvature.Trace.Hutchinson(op, new ProbeOptions { MaxProbes = o.Probes, RelativeTolerance = o.TraceTolerance }, o.Seed) };
        if (o.HutchPlusPlus > 0) report = report with { HutchPlusPlus = Curvature.Trace.HutchPlusPlus(op, new ProbeOptions { MaxProbes = o.HutchPlusPlus }, o.Seed) };
        if (o.Frobenius) report = report with { FrobeniusSquared = Curvature.Trace.FrobeniusSquared(op, new ProbeOptions { MaxProbes = o.Probes }, o.Seed) };
        if (o.FisherTrace) report = report with { FisherTrace = fisherTrace() };
        if (o.Density) report = report with { Density = StochasticLanczosQuadrature.Run(op, o.DensityOptions, o.Seed) };
        return report with { Products = op.Products, Seconds = clock.Elapsed.TotalSeconds };
    }

    /// <summary>Checks that <paramref name="o"/> asks for something a <paramref name="parameters"/>-parameter matrix has.</summary>
    internal static void Check(CurvatureOptions o, int? parameters = null)
    {
        if (o is { Top: 0, Bottom: 0, Power: 0, Exact: false, Trace: false, HutchPlusPlus: <= 0, Frobenius: false, FisherTrace: false, Density: false })
            throw new BasinException("hessian", "nothing to compute with {top} 0",
                "ask for at least one of {top} K, {bottom} K, {power} K, {trace}, {hutchpp} N, {frobenius}, {fisher-trace}, {density}, {exact}");
        if (parameters is not int p) return;
        foreach (var (name, k) in new[] { ("top", o.Top), ("bottom", o.Bottom), ("power", o.Power) })
            if (k > p)
                throw new BasinException($"{{{name}}}", $"{k} eigenvalues asked of a model with {p} parameters",
                    $"a {p} x {p} matrix has {p} eigenvalues; {{exact}} gives them all on small models");
    }

    /// <summary>The JSON document of basin hessian.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["operator"] = Matrix.ToLowerInvariant(), ["n"] = N, ["parameters"] = Parameters };
        if (Exact is var (all, trace, frobenius))
        {
            json["all_eigenvalues"] = JsonValues.Exact(all);
            json["exact_trace"] = trace;
            json["exact_frobenius"] = frobenius;
            json["negative_eigenvalues"] = NegativeEigenvalues;
        }
        void Pairs(string prefix, Eigenpairs? pairs)
        {
            if (pairs is null) return;
            json[prefix + "eigenvalues"] = JsonValues.Exact(pairs.Values);
            json[prefix + "residuals"] = JsonValues.Exact(pairs.Residuals);
        }
        Pairs("", Top);
        Pairs("bottom_", Bottom);
        Pairs("power_", Power);
        if (Power is { } power) json["power_products"] = power.Products;
        if (Trace is { } t)
        {
            json["trace"] = t.Value;
            json["trace_stderr"] = t.StandardError;
            json["trace_probes"] = t.Products;
        }
        if (HutchPlusPlus is { } h)
        {
            json["trace_hutchpp"] = h.Value;
            json["trace_hutchpp_stderr"] = h.StandardError;
        }
        if (FrobeniusSquared is { } f)
        {
            json["frobenius"] = Math.Sqrt(Math.Max(0, f.Value));
            json["frobenius_squared_stderr"] = f.StandardError;
        }
        if (FisherTrace is { } fisher) json["fisher_trace"] = fisher;
        if (Density is { } d)
        {
            var (grid, values) = d.Sample(200);
            json["density"] = new JsonObject { ["sigma"] = d.Sigma, ["grid"] = JsonValues.Exact(grid), ["values"] = JsonValues.Exact(values) };
        }
        json["products"] = Products;
        json["seconds"] = Seconds;
        return json;
    }
}
