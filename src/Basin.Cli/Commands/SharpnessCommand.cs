using System.Text.Json.Nodes;

namespace Basin.Cli.Commands;

/// <summary><c>basin sharpness</c>: flatness measures of a minimum, and which of them survive Dinh's alpha-rescaling.</summary>
internal static class SharpnessCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var common = new CommonOptions();
        var cluster = new ClusterOption();
        var device = new DeviceOption(cluster);
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
        cluster.AddTo(command);
        device.AddTo(command);
        foreach (var o in new Option[] { measures, eps, rho, asamRho, asamEta, deviation, disagreementBatch, pairs, reparam, seed }) command.Options.Add(o);
        command.SetAction(r =>
        {
            string list = r.GetValue(measures)!.ToLowerInvariant();
            var options = new SharpnessOptions
            {
                Measures = list == "all" ? SharpnessOptions.AllMeasures : list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                Epsilons = r.GetValue(eps)!.Split(',').Select(x => double.TryParse(x, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v)
                    ? v : throw new BasinException("--eps", $"'{x}' is not a positive number")).ToArray(),
                Rho = r.GetValue(rho), AsamRho = r.GetValue(asamRho), AsamEta = r.GetValue(asamEta),
                PacDeviation = r.GetValue(deviation), DisagreementBatch = r.GetValue(disagreementBatch), Pairs = r.GetValue(pairs), Seed = r.GetValue(seed),
            };
            options.Validate();
            if (r.GetValue(reparam) is <= 0 and var a) throw new BasinException("--reparam-check", $"alpha must be positive, got {a}");
            device.Cuda(r);
            var data = common.LoadData(r);
            var (before, after) = Progress.Status(stderr, "measuring sharpness...", () =>
                cluster.Run(r, common, common.Landscape(r, data), null, null, stderr, point => device.Run(r, point, data, null, stderr, landscape =>
                {
                    var rescaled = r.GetValue(reparam) is { } alpha ? landscape.Rescaled(alpha) ?? throw new BasinException("--reparam-check",
                        "the model has no linear/conv layer followed through ReLU by another", "alpha-rescaling needs a positively homogeneous activation between two layers") : null;
                    return (landscape.Sharpness(options), rescaled?.Sharpness(options));
                })));
            if (r.GetValue(common.Json))
            {
                var json = new JsonObject();
                for (int i = 0; i < before.Count; i++)
                    json[before[i].Name] = after is null ? JsonValues.Number(before[i].Value) : new JsonObject
                    {
                        ["before"] = JsonValues.Number(before[i].Value), ["after"] = JsonValues.Number(after[i].Value), ["changed"] = Changed(before[i].Value, after[i].Value),
                    };
                stdout.WriteLine(json.ToJsonString());
                return Cli.Ok;
            }
            var table = new Table().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
            if (after is not null) table.AddColumn(new TableColumn($"after alpha = {r.GetValue(reparam):G3}").RightAligned()).AddColumn("changes?");
            for (int i = 0; i < before.Count; i++)
                table.AddRow([Markup.Escape(before[i].Name), $"{before[i].Value:G6}", .. after is null ? Array.Empty<string>()
                    : [$"{after[i].Value:G6}", Changed(before[i].Value, after[i].Value) ? "yes" : "no"]]);
            Output.Console(stdout).Write(table);
            return Cli.Ok;
        });
        return command;
    }

    static bool Changed(double a, double b) => Math.Abs(a - b) > 1e-3 * Math.Max(Math.Abs(a), Math.Abs(b)) + 1e-12;
}
