using System.Globalization;
using Basin.Experiments;
using Basin.Reports;
using Basin.Reports.Plots;

namespace Basin.Cli.Commands;

/// <summary>
/// <c>basin experiment</c>: the catalog of <see cref="Experiment.All"/>, one subcommand each with the experiment's own
/// parameters as options; it runs the experiment, writes its data, figures and report.html, and prints its claims.
/// </summary>
internal static class ExperimentCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var command = new Command("experiment", "The papers' experiments: basin experiment list, basin experiment NAME [--quick].");
        var list = new Command("list", "List the experiments.");
        list.SetAction(_ => { foreach (var e in Experiment.All) stdout.WriteLine($"{e.Name,-18} {e.Paper}"); });
        command.Subcommands.Add(list);
        foreach (var e in Experiment.All) command.Subcommands.Add(For(e, stdout, stderr));
        return command;
    }

    static string Number(double x) => x.ToString(CultureInfo.InvariantCulture);

    static Command For(Experiment experiment, TextWriter stdout, TextWriter stderr)
    {
        var quick = new Option<bool>("--quick") { Description = "a small version (seconds), as the tests run it" };
        var outDir = new Option<string?>("--out") { Description = $"output directory (default: experiments/{experiment.Name})" };
        var seed = new Option<ulong>("--seed") { Description = "seed of the experiment's training, data and probes" };
        var parameters = experiment.Parameters.Select(p =>
        {
            string description = p.Description + (p.Quick == p.Full ? $" (default {Number(p.Full)})" : $" (default {Number(p.Quick)} quick, {Number(p.Full)} full)");
            return (p.Name, Option: p.Integer ? (Option)new Option<int?>("--" + p.Name) { Description = description } : new Option<double?>("--" + p.Name) { Description = description });
        }).ToList();
        var common = new CommonOptions();
        var data = new Option<string?>("--data") { Description = $"the image set studied (default: the embedded {DataCatalog.Embedded}); --n takes its first images" };
        var inputs = new List<Option>();
        if (experiment.TakesData) inputs.AddRange([data, common.DataDir]);
        if (experiment.TakesModel) inputs.Add(new Option<string?>("--model") { Description = "a network in place of the experiment's own (a model spec)" });
        var cluster = new ClusterOption();
        var device = new DeviceOption(cluster);
        var command = new Command(experiment.Name, experiment.Paper);
        foreach (var o in new Option[] { quick, outDir, seed }.Concat(inputs).Concat(parameters.Select(p => p.Option))) command.Options.Add(o);
        if (experiment.Trains)
        {
            cluster.AddTo(command);
            cluster.Address.Description = "train the independent runs (seeds, widths) on the workers of this cluster (redis://HOST:PORT, or localhost); same results";
            device.AddTo(command);
            device.Name.Description = "cpu, or cuda: train the independent runs' gradients on the first NVIDIA GPU (runs it cannot train, and every measurement, stay on the CPU)";
        }
        command.SetAction(r =>
        {
            string dir = r.GetValue(outDir) ?? Path.Combine("experiments", experiment.Name);
            OutputPath.RequireDirectory(dir, "--out");
            Directory.CreateDirectory(dir);
            AtomicFile.RemoveStale(dir);
            var given = new Dictionary<string, double>();
            foreach (var (name, option) in parameters)
                if (r.GetResult(option)?.GetValueOrDefault<object>() is { } value) given[name] = Convert.ToDouble(value, CultureInfo.InvariantCulture);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            string? Input(string name) => inputs.FirstOrDefault(o => o.Name == name) is Option<string?> o ? r.GetValue(o) : null;
            ExperimentResult Run(IRemoteTrainer? trainer) =>
                experiment.Run(dir, r.GetValue(quick), r.GetValue(seed), given, Input("--data"), Input("--data-dir"), Input("--model"), trainer);
            var result = experiment.Trains && device.Cuda(r) ? DeviceOption.Trainer(stderr, Run) : cluster.Trainer(r, stderr, Run);
            result.Save(dir);
            foreach (var figure in result.Figures) FigurePlot.Save(figure, dir);
            string report = DirectoryReport.Write(dir);
            foreach (var line in result.Lines()) stdout.WriteLine(line);
            stdout.WriteLine($"wrote {report} ({clock.Elapsed.TotalSeconds:F1} s)");
            return result.NoneFails ? Cli.Ok : Cli.Failure;
        });
        return command;
    }
}
