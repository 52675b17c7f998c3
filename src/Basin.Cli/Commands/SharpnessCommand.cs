using System.CommandLine;
using System.Numerics;
using System.Text.Json.Nodes;
using Basin.Curvature;
using Basin.Engine;
using Basin.Objective;
using Spectre.Console;

namespace Basin.Cli.Commands;

/// <summary><c>basin sharpness</c>: flatness measures of a minimum, and which of them survive Dinh's alpha-rescaling.</summary>
internal static class SharpnessCommand
{
    static readonly string[] All = ["epsilon", "sam", "asam", "pac-bayes", "fisher-trace", "hessian-trace", "top-eigenvalue", "log-basin-volume", "disagreement"];

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var common = new CommonOptions();
        var measures = new Option<string>("--measures") { Description = "comma-separated: " + string.Join(", ", All) + ", or all", DefaultValueFactory = _ => "all" };
        var eps = new Option<string>("--eps") { Description = "Keskar et al. box sizes", DefaultValueFactory = _ => "1e-3,5e-4" };
        var rho = new Option<double>("--rho") { Description = "SAM radius", DefaultValueFactory = _ => 0.05 };
        var asamRho = new Option<double>("--asam-rho") { Description = "ASAM radius", DefaultValueFactory = _ => 0.5 };
        var asamEta = new Option<double>("--asam-eta") { Description = "ASAM eta (0 makes it rescaling-invariant)", DefaultValueFactory = _ => 0.01 };
        var deviation = new Option<double>("--pac-deviation") { Description = "PAC-Bayes: allowed increase of the training error", DefaultValueFactory = _ => 0.1 };
        var disagreementBatch = new Option<int>("--disagreement-batch") { Description = "minibatch size of the gradient pairs", DefaultValueFactory = _ => 128 };
        var pairs = new Option<int>("--pairs") { Description = "gradient pairs averaged", DefaultValueFactory = _ => 10 };
        var reparam = new Option<double?>("--reparam-check") { Description = "also measure after Dinh's alpha-rescaling by ALPHA and report which measures change" };
        var seed = new Option<ulong>("--seed") { Description = "seed of the probes and perturbations" };
        var command = new Command("sharpness", "Sharpness and flatness measures of a minimum (Keskar, SAM, ASAM, PAC-Bayes, Fisher, Hessian, Wu & Zhu, Huszar).");
        common.AddTo(command);
        foreach (var o in new Option[] { measures, eps, rho, asamRho, asamEta, deviation, disagreementBatch, pairs, reparam, seed }) command.Options.Add(o);
        command.SetAction(r =>
        {
            var chosen = r.GetValue(measures)!.ToLowerInvariant() == "all" ? All : r.GetValue(measures)!.ToLowerInvariant().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            foreach (var m in chosen)
                if (!All.Contains(m)) throw new BasinException("--measures", $"unknown measure '{m}'", "known: " + string.Join(", ", All));
            var epsilons = r.GetValue(eps)!.Split(',').Select(x => double.TryParse(x, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0
                ? v : throw new BasinException("--eps", $"'{x}' is not a positive number")).ToArray();
            foreach (var option in new[] { rho, asamRho, deviation })
                if (r.GetValue(option) is var value && !(value > 0 && double.IsFinite(value)))
                    throw new BasinException(option.Name, $"{value} is not a positive number", "basin sharpness --help shows the defaults");
            if (!(r.GetValue(asamEta) >= 0)) throw new BasinException("--asam-eta", $"{r.GetValue(asamEta)} is not 0 or more", "0 makes ASAM rescaling-invariant");
            var settings = new Settings(chosen, epsilons, r.GetValue(rho), r.GetValue(asamRho), r.GetValue(asamEta), r.GetValue(deviation),
                r.GetValue(disagreementBatch), r.GetValue(pairs), r.GetValue(seed));
            return Progress.Status(stderr, "measuring sharpness...", () => CommonOptions.IsDouble(r.GetValue(common.DType)!)
                ? Run<double>(r, common, settings, r.GetValue(reparam), stdout)
                : Run<float>(r, common, settings, r.GetValue(reparam), stdout));
        });
        return command;
    }

    sealed record Settings(string[] Measures, double[] Epsilons, double Rho, double AsamRho, double AsamEta, double Deviation, int Batch, int Pairs, ulong Seed);

    static List<(string Name, double Value)> Measure<T>(EmpiricalRisk<T> f, T[] theta, Settings s) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new List<(string, double)>();
        var hessian = new HessianOperator<T>(f, theta);
        Eigenpairs? top = null;
        foreach (var m in s.Measures)
            switch (m)
            {
                case "epsilon":
                    foreach (var e in s.Epsilons) values.Add(($"epsilon-sharpness (eps {e:G3})", Sharpness.EpsilonSharpness(f, theta, e)));
                    break;
                case "sam": values.Add(($"SAM rho-sharpness (rho {s.Rho:G3})", Sharpness.RhoSharpness(f, theta, s.Rho))); break;
                case "asam": values.Add(($"ASAM adaptive sharpness (rho {s.AsamRho:G3}, eta {s.AsamEta:G3})", Sharpness.AdaptiveSharpness(f, theta, s.AsamRho, s.AsamEta))); break;
                case "pac-bayes":
                    double sigma = Sharpness.PacBayesSigma(f, theta, s.Seed, s.Deviation);
                    values.Add(($"PAC-Bayes sigma (error +{s.Deviation:G2})", sigma));
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
                    values.Add(("log basin volume (top 5)", Sharpness.LogBasinVolume(top.Values)));
                    break;
                case "disagreement":
                    values.Add(($"gradient disagreement (batch {s.Batch})", Sharpness.GradientDisagreement(f, theta, Math.Min(s.Batch, f.Count / 2), s.Pairs, s.Seed)));
                    break;
            }
        return values;
    }

    static int Run<T>(ParseResult r, CommonOptions c, Settings s, double? alpha, TextWriter stdout) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var data = c.LoadData(r);
        var (network, theta) = c.LoadModel<T>(r, data);
        var f = new EmpiricalRisk<T>(network, data, r.GetValue(c.Loss)!, r.GetValue(c.L2), r.GetValue(c.Batch), r.GetValue(c.Threads));
        var before = Measure(f, theta, s);
        List<(string Name, double Value)>? after = null;
        if (alpha is { } a)
        {
            if (a <= 0) throw new BasinException("--reparam-check", $"alpha must be positive, got {a}");
            var pair = Reparametrization.FindPair(network)
                ?? throw new BasinException("--reparam-check", "the model has no linear/conv layer followed through ReLU by another", "alpha-rescaling needs a positively homogeneous activation between two layers");
            after = Measure(f, Reparametrization.Rescale<T>(network, theta, pair, a), s);
        }
        if (r.GetValue(c.Json))
        {
            var json = new JsonObject();
            for (int i = 0; i < before.Count; i++)
                json[before[i].Name] = after is null ? Output.Number(before[i].Value)
                    : new JsonObject { ["before"] = Output.Number(before[i].Value), ["after"] = Output.Number(after[i].Value), ["changed"] = Changed(before[i].Value, after[i].Value) };
            stdout.WriteLine(json.ToJsonString());
            return Cli.Ok;
        }
        var table = new Table().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        if (after is not null) table.AddColumn(new TableColumn($"after alpha = {alpha:G3}").RightAligned()).AddColumn("changes?");
        for (int i = 0; i < before.Count; i++)
        {
            var row = new List<string> { Markup.Escape(before[i].Name), $"{before[i].Value:G6}" };
            if (after is not null) { row.Add($"{after[i].Value:G6}"); row.Add(Changed(before[i].Value, after[i].Value) ? "yes" : "no"); }
            table.AddRow(row.ToArray());
        }
        Output.Console(stdout).Write(table);
        return Cli.Ok;
    }

    static bool Changed(double a, double b) => Math.Abs(a - b) > 1e-3 * Math.Max(Math.Abs(a), Math.Abs(b)) + 1e-12;
}
