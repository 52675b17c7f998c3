using System.Numerics;
using Basin.Objective;
using Basin.Tensors;

namespace Basin.Curvature;

/// <summary>
/// Sharpness and flatness measures of a minimum, each as its paper defines it. Convention for every per-example
/// statistic here: the loss is the mean over examples (as PyTorch's reduction="mean"), variances divide by N.
/// </summary>
internal static class Sharpness
{
    /// <summary>
    /// The measures <paramref name="options"/> names at theta, each with the label it is reported under, in the order
    /// named (epsilon gives one per box size, pac-bayes both sigma and 1/sigma^2).
    /// </summary>
    public static List<(string Name, double Value)> Measure<T>(EmpiricalRisk<T> f, T[] theta, SharpnessOptions s) where T : unmanaged, IFloatingPointIeee754<T>
    {
        s.Validate();
        var values = new List<(string, double)>();
        var hessian = new HessianOperator<T>(f, theta);
        Eigenpairs? top = null;
        foreach (var m in s.Measures)
            switch (m)
            {
                case "epsilon":
                    foreach (var e in s.Epsilons) values.Add(($"epsilon-sharpness (eps {e:G3})", EpsilonSharpness(f, theta, e)));
                    break;
                case "sam": values.Add(($"SAM rho-sharpness (rho {s.Rho:G3})", RhoSharpness(f, theta, s.Rho))); break;
                case "asam": values.Add(($"ASAM adaptive sharpness (rho {s.AsamRho:G3}, eta {s.AsamEta:G3})", AdaptiveSharpness(f, theta, s.AsamRho, s.AsamEta))); break;
                case "pac-bayes":
                    double sigma = PacBayesSigma(f, theta, s.Seed, s.PacDeviation);
                    values.Add(($"PAC-Bayes sigma (error +{s.PacDeviation:G2})", sigma));
                    values.Add(("PAC-Bayes 1/sigma^2", 1 / (sigma * sigma)));
                    break;
                case "fisher-trace": values.Add(("empirical Fisher trace", new FisherOperator<T>(f, theta).Trace())); break;
                case "hessian-trace": values.Add(("Hessian trace (Hutchinson, 50 probes)", Trace.Hutchinson(hessian, new ProbeOptions { MaxProbes = 50, RelativeTolerance = 0 }, s.Seed).Value)); break;
                case "top-eigenvalue":
                    top ??= Spectrum.Top(hessian, new LanczosOptions(5), s.Seed);
                    values.Add(("top Hessian eigenvalue", top.Values[0]));
                    break;
                case "log-basin-volume":
                    top ??= Spectrum.Top(hessian, new LanczosOptions(5), s.Seed);
                    values.Add(("log basin volume (top 5)", LogBasinVolume(top.Values)));
                    break;
                case "disagreement":
                    int batch = Math.Min(s.DisagreementBatch, f.Count / 2);
                    values.Add(($"gradient disagreement (batch {batch})", GradientDisagreement(f, theta, batch, s.Pairs, s.Seed)));
                    break;
            }
        return values;
    }

    /// <summary>
    /// Keskar et al. (2017), metric 2.1 with A = I: 100 (max over y in C_eps of L(theta + y) - L(theta)) / (1 + L(theta)),
    /// C_eps = { |y_i| &lt;= eps (|theta_i| + 1) }. They maximize with L-BFGS-B; here projected gradient ascent with
    /// sign steps of 2/steps of the box (enough to cross it), keeping the best point seen.
    /// </summary>
    public static double EpsilonSharpness<T>(Objective.EmpiricalRisk<T> f, ReadOnlySpan<T> theta, double eps, int steps = 20)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var w = Numbers.ToDouble(theta);
        double baseLoss = f.Evaluate(theta).Loss, best = baseLoss;
        var y = new double[w.Length];
        var g = new T[w.Length];
        var point = new T[w.Length];
        for (int s = 0; s < steps; s++)
        {
            for (int i = 0; i < w.Length; i++) point[i] = T.CreateTruncating(w[i] + y[i]);
            double loss = f.Gradient(point, g);
            best = Math.Max(best, double.IsNaN(loss) ? best : loss);
            for (int i = 0; i < w.Length; i++)
            {
                double box = eps * (Math.Abs(w[i]) + 1);
                y[i] = Math.Clamp(y[i] + 2.0 / steps * box * Math.Sign(double.CreateTruncating(g[i])), -box, box);
            }
        }
        for (int i = 0; i < w.Length; i++) point[i] = T.CreateTruncating(w[i] + y[i]);
        best = Math.Max(best, f.Evaluate(point).Loss);
        return 100 * (best - baseLoss) / (1 + baseLoss);
    }

    /// <summary>
    /// SAM's sharpness (Foret et al. 2021): max over ||e||_2 &lt;= rho of L(theta + e) - L(theta). With one step this is
    /// SAM's first-order e = rho g / ||g||; more steps ascend along normalized gradients, projected on the ball.
    /// </summary>
    public static double RhoSharpness<T>(Objective.EmpiricalRisk<T> f, ReadOnlySpan<T> theta, double rho, int steps = 1)
        where T : unmanaged, IFloatingPointIeee754<T> => Adaptive(f, theta, rho, null, steps);

    /// <summary>
    /// ASAM's adaptive sharpness (Kwon et al. 2021): max over ||T^-1 e||_2 &lt;= rho of L(theta + e) - L(theta) with
    /// T = diag(|theta| + eta); first-order e = rho T^2 g / ||T g||. With eta = 0 it is invariant to rescalings of
    /// the weights that leave the function unchanged (Dinh et al. 2017).
    /// </summary>
    public static double AdaptiveSharpness<T>(Objective.EmpiricalRisk<T> f, ReadOnlySpan<T> theta, double rho, double eta, int steps = 1)
        where T : unmanaged, IFloatingPointIeee754<T> => Adaptive(f, theta, rho, eta, steps);

    static double Adaptive<T>(Objective.EmpiricalRisk<T> f, ReadOnlySpan<T> theta, double rho, double? eta, int steps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var w = Numbers.ToDouble(theta);
        int n = w.Length;
        var scale = new double[n];
        for (int i = 0; i < n; i++) scale[i] = eta is { } e ? Math.Abs(w[i]) + e : 1;
        var z = new double[n];   // e = T z with ||z|| <= rho
        var g = new T[n];
        var point = new T[n];
        double baseLoss = f.Evaluate(theta).Loss;
        for (int s = 0; s < steps; s++)
        {
            for (int i = 0; i < n; i++) point[i] = T.CreateTruncating(w[i] + scale[i] * z[i]);
            f.Gradient(point, g);
            var tg = new double[n];
            for (int i = 0; i < n; i++) tg[i] = scale[i] * double.CreateTruncating(g[i]);
            double norm = Vectors.Norm(tg);
            if (norm == 0) break;
            double step = steps == 1 ? rho : 2 * rho / steps;
            for (int i = 0; i < n; i++) z[i] += step * tg[i] / norm;
            double zn = Vectors.Norm(z);
            if (zn > rho) Vectors.Scale(z, rho / zn);
        }
        for (int i = 0; i < n; i++) point[i] = T.CreateTruncating(w[i] + scale[i] * z[i]);
        return f.Evaluate(point).Loss - baseLoss;
    }

    /// <summary>
    /// PAC-Bayes flatness (Jiang et al. 2020, "sharpness" sigma'): the largest sigma such that the expected training
    /// error under u ~ N(0, sigma^2 I) exceeds the error at theta by at most <paramref name="deviation"/>, by bisection
    /// on [0, maxSigma] with Monte-Carlo estimates of <paramref name="samples"/> draws. The measure is 1/sigma^2. Infinity
    /// when no sigma up to maxSigma raises the error that much (a model near chance level), not the search's bound.
    /// </summary>
    public static double PacBayesSigma<T>(Objective.EmpiricalRisk<T> f, ReadOnlySpan<T> theta, ulong seed, double deviation = 0.1,
        int samples = 10, int iterations = 12, double maxSigma = 2) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var w = Numbers.ToDouble(theta);
        double baseError = 1 - f.Evaluate(theta).Accuracy;
        if (double.IsNaN(baseError)) throw new BasinException("sharpness", "PAC-Bayes flatness needs class labels (it bounds the error)");
        var point = new T[w.Length];
        double lo = 0, hi = maxSigma;
        for (int it = 0; it < iterations; it++)
        {
            double sigma = (lo + hi) / 2, error = 0;
            var rng = new Rng(seed, 0xBAE5);
            for (int s = 0; s < samples; s++)
            {
                for (int i = 0; i < w.Length; i++) point[i] = T.CreateTruncating(w[i] + sigma * rng.NextGaussian());
                error += 1 - f.Evaluate(point).Accuracy;
            }
            if (error / samples - baseError <= deviation) lo = sigma; else hi = sigma;
        }
        return hi == maxSigma ? double.PositiveInfinity : lo;
    }

    /// <summary>
    /// The gradient-disagreement measure of Huszar's essay: E[(1 - cos(g1, g2)) ||g2||] over pairs of gradients of
    /// disjoint random minibatches of <paramref name="batch"/> examples (seeded), averaged over <paramref name="pairs"/>;
    /// the gradients in eval mode, as every analysis takes them (BatchNorm by its running statistics).
    /// </summary>
    public static double GradientDisagreement<T>(Objective.EmpiricalRisk<T> f, ReadOnlySpan<T> theta, int batch, int pairs, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (2 * batch > f.Count) throw new BasinException("{disagreement-batch}", $"two disjoint minibatches of {batch} need {2 * batch} examples, the data have {f.Count}");
        var rng = new Rng(seed, 0xD15A);
        var order = new int[f.Count];
        var g1 = new T[f.Dimension];
        var g2 = new T[f.Dimension];
        double total = 0;
        for (int p = 0; p < pairs; p++)
        {
            for (int i = 0; i < order.Length; i++) order[i] = i;
            for (int i = 0; i < 2 * batch; i++) { int j = i + rng.NextInt(order.Length - i); (order[i], order[j]) = (order[j], order[i]); }
            f.EvalModeGradient(theta, order.AsSpan(0, batch), g1);
            f.EvalModeGradient(theta, order.AsSpan(batch, batch), g2);
            var a = Numbers.ToDouble<T>(g1);
            var b = Numbers.ToDouble<T>(g2);
            double na = Vectors.Norm(a), nb = Vectors.Norm(b);
            double cos = na == 0 || nb == 0 ? 1 : Vectors.Dot(a, b) / (na * nb);
            total += (1 - cos) * nb;
        }
        return total / pairs;
    }

    /// <summary>
    /// Wu, Zhu and E (2017): the basin's volume shrinks as the product of the top eigenvalues grows; its log is
    /// -1/2 sum_i log lambda_i over the top positive eigenvalues.
    /// </summary>
    public static double LogBasinVolume(IEnumerable<double> topEigenvalues) =>
        -0.5 * topEigenvalues.Where(l => l > 0).Sum(Math.Log);
}
