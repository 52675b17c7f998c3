using System.CommandLine;
using System.Text.Json.Nodes;
using Basin.Curvature;
using Spectre.Console;

namespace Basin.Cli.Commands;

/// <summary><c>basin sharpness</c>: flatness measures of a minimum, and which of them survive Dinh's alpha-rescaling.</summary>
internal static class SharpnessCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var common = new CommonOptions();
        var measures = new Option<string>("--measures") { Description = "comma-separated: " + string.Join(", ", SharpnessOptions.AllMeasures) + ", or all", DefaultValueFactory = _ => "all" };
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
            var chosen = r.GetValue(measures)!.ToLowerInvariant() == "all" ? SharpnessOptions.AllMeasures
                : r.GetValue(measures)!.ToLowerInvariant().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var epsilons = r.GetValue(eps)!.Split(',').Select(x => double.TryParse(x, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0
                ? v : throw new BasinException("--eps", $"'{x}' is not a positive number")).ToArray();
            foreach (var option in new[] { rho, asamRho, deviation })
                if (r.GetValue(option) is var value && !(value > 0 && double.IsFinite(value)))
                    throw new BasinException(option.Name, $"{value} is not a positive number", "basin sharpness --help shows the defaults");
            if (!(r.GetValue(asamEta) >= 0)) throw new BasinException("--asam-eta", $"{r.GetValue(asamEta)} is not 0 or more", "0 makes ASAM rescaling-invariant");
            var options = new SharpnessOptions
            {
                Measures = chosen, Epsilons = epsilons, Rho = r.GetValue(rho), AsamRho = r.GetValue(asamRho), AsamEta = r.GetValue(asamEta),
                PacDeviation = r.GetValue(deviation), DisagreementBatch = r.GetValue(disagreementBatch), Pairs = r.GetValue(pairs), Seed = r.GetValue(seed),
            };
            return Progress.Status(stderr, "measuring sharpness...", () => Run(r, common, options, r.GetValue(reparam), stdout));
        });
        return command;
    }

    static int Run(ParseResult r, CommonOptions c, SharpnessOptions options, double? alpha, TextWriter stdout)
    {
        var landscape = c.Landscape(r, c.LoadData(r));
        var before = landscape.Sharpness(options);
        IReadOnlyList<(string Name, double Value)>? after = null;
        if (alpha is { } a)
        {
            if (a <= 0) throw new BasinException("--reparam-check", $"alpha must be positive, got {a}");
            var rescaled = landscape.Rescaled(a)
                ?? throw new BasinException("--reparam-check", "the model has no linear/conv layer followed through ReLU by another", "alpha-rescaling needs a positively homogeneous activation between two layers");
            after = rescaled.Sharpness(options);
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
