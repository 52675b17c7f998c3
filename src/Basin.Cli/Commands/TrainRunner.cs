using System.Numerics;
using System.Text.Json.Nodes;
using Basin.Data;
using Basin.Models;
using Basin.Training;
using Spectre.Console;

namespace Basin.Cli.Commands;

/// <summary>Runs a trainer for the train and demo commands: progress on stderr, a summary table or JSON on stdout.</summary>
internal static class TrainRunner
{
    /// <summary>The run's data, and its configuration keyed by the data's (and an initialization file's) contents.</summary>
    public static (RunConfig Config, DataSet Train, DataSet? Test) Load(RunConfig c)
    {
        var train = DataCatalog.Load(c.Data, "train", c.DataDir, c.N);
        if (c.RandomLabels > 0) train = train.WithRandomLabels(c.RandomLabels, c.Seed);
        var test = c.Test ? DataCatalog.Load(c.Data, "test", c.DataDir, c.TestN ?? (Synthetic.Names.Contains(Synthetic.SplitName(c.Data).Kind) ? c.N : null)) : null;
        return (c.WithInputs(train, test), train, test);
    }

    /// <summary>
    /// Trains: every check runs first (model, optimizer, schedule, memory, the starting weights), then
    /// <paramref name="beforeWriting"/> (which prepares the run directory), then the steps.
    /// </summary>
    public static TrainResult Run(RunConfig config, DataSet train, DataSet? test, RunDirectory run, bool resume, int threads, Action beforeWriting,
        TextWriter stdout, TextWriter stderr, bool json) =>
        CommonOptions.IsDouble(config.DType)
            ? Run<double>(config, train, test, run, resume, threads, beforeWriting, stdout, stderr, json)
            : Run<float>(config, train, test, run, resume, threads, beforeWriting, stdout, stderr, json);

    static TrainResult Run<T>(RunConfig config, DataSet train, DataSet? test, RunDirectory run, bool resume, int threads, Action beforeWriting,
        TextWriter stdout, TextWriter stderr, bool json) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var trainer = new Trainer<T>(config, train, test, run, threads);
        var start = trainer.Begin(resume);
        beforeWriting();
        TrainResult result;
        try
        {
            bool terminal = stderr == Console.Error && !Console.IsErrorRedirected;
            result = terminal ? WithProgressBar(trainer, start, Interruption.Token) : WithLines(trainer, start, stderr, Interruption.Token);
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine($"stopped: finished work up to the last checkpoint is kept; continue with: basin train --resume {run.Path}");
            throw;
        }
        if (json) stdout.WriteLine(ToJson(result, trainer.Network.ParameterCount, run).ToJsonString());
        else Summary(stdout, config, result, trainer.Network.ParameterCount, run);
        return result;
    }

    static string Line(TrainProgress p, MetricsRow row) =>
        $"epoch {row.Epoch}  step {row.Step}/{p.PlannedSteps}  lr {row.LearningRate:G3}  train loss {row.TrainLoss:F4} acc {Percent(row.TrainAccuracy)}" +
        (double.IsNaN(row.TestLoss) ? "" : $"  test loss {row.TestLoss:F4} acc {Percent(row.TestAccuracy)}") + $"  {row.Seconds:F1} s";

    static string Percent(double x) => double.IsNaN(x) ? "n/a" : $"{100 * x:F2}%";

    static TrainResult WithLines<T>(Trainer<T> trainer, Trainer<T>.Start start, TextWriter stderr, CancellationToken cancel) where T : unmanaged, IFloatingPointIeee754<T> =>
        trainer.Run(start, p => { if (p.Row is { } row) stderr.WriteLine(Line(p, row)); }, cancel);

    static TrainResult WithProgressBar<T>(Trainer<T> trainer, Trainer<T>.Start start, CancellationToken cancel) where T : unmanaged, IFloatingPointIeee754<T>
    {
        TrainResult? result = null;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: Math.Max(1, trainer.PlannedSteps));
                var started = DateTime.UtcNow;
                result = trainer.Run(start, p =>
                {
                    task.Value = p.Step;
                    double rate = p.Step / Math.Max(1e-9, (DateTime.UtcNow - started).TotalSeconds);
                    task.Description = Markup.Escape($"epoch {p.Epoch} loss {p.BatchLoss:F4} {rate:F0} steps/s");
                    if (p.Row is { } row) console.MarkupLine(Markup.Escape(Line(p, row)));
                }, cancel);
                task.Value = task.MaxValue;
            });
        return result!;
    }

    static JsonObject ToJson(TrainResult r, int parameters, RunDirectory run) => new()
    {
        ["run"] = run.Path,
        ["final"] = r.FinalPath,
        ["steps"] = r.Steps,
        ["epochs"] = r.Epochs,
        ["stop"] = r.StopReason,
        ["parameters"] = parameters,
        ["train_loss"] = Output.Number(r.Train.Loss),
        ["train_accuracy"] = Output.Number(r.Train.Accuracy),
        ["test_loss"] = r.Test is { } t ? Output.Number(t.Loss) : null,
        ["test_accuracy"] = r.Test is { } t2 ? Output.Number(t2.Accuracy) : null,
        ["seconds"] = r.Seconds,
    };

    static void Summary(TextWriter stdout, RunConfig c, TrainResult r, int parameters, RunDirectory run)
    {
        var table = new Table().AddColumn("").AddColumn(new TableColumn("train").RightAligned()).AddColumn(new TableColumn("test").RightAligned());
        table.AddRow("loss", $"{r.Train.Loss:F5}", r.Test is { } t ? $"{t.Loss:F5}" : "-");
        table.AddRow("accuracy", Percent(r.Train.Accuracy), r.Test is { } t3 ? Percent(t3.Accuracy) : "-");
        table.AddRow("examples", $"{r.Train.Count}", r.Test is { } t4 ? $"{t4.Count}" : "-");
        var console = Output.Console(stdout);
        console.WriteLine($"{(r.Resumed ? "resumed and trained" : "trained")} {c.Model} ({parameters:N0} parameters) on {c.Data}: {r.Steps} steps, {r.Epochs} epochs, stopped: {r.StopReason}, {r.Seconds:F1} s");
        console.Write(table);
        console.WriteLine($"run directory: {run.Path} (model.json, metrics.csv, checkpoints/, final.safetensors)");
    }
}
