namespace Basin.Cli.Commands;

/// <summary>Trains for the train and demo commands: progress on stderr, a summary table or JSON on stdout.</summary>
internal static class TrainRunner
{
    /// <summary>Trains the run: progress on stderr (a bar on a terminal, lines otherwise), then a summary table or JSON on stdout.</summary>
    public static TrainResult Run(TrainingRun run, int threads, TextWriter stdout, TextWriter stderr, bool json)
    {
        TrainResult result;
        try
        {
            bool terminal = stderr == Console.Error && !Console.IsErrorRedirected;
            result = terminal ? WithProgressBar(run, threads, Interruption.Token)
                : run.Run(threads, p => { if (p.Row is { } row) stderr.WriteLine(Line(p, row)); }, Interruption.Token);
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine($"stopped: finished work up to the last checkpoint is kept; continue with: basin train --resume {run.Directory.Path}");
            throw;
        }
        if (json) stdout.WriteLine(result.ToJson(run.Directory.Path).ToJsonString());
        else Summary(stdout, run.Config, result, run.Directory);
        return result;
    }

    static string Line(TrainProgress p, MetricsRow row) =>
        $"epoch {row.Epoch}  step {row.Step}/{p.PlannedSteps}  lr {row.LearningRate:G3}  train loss {row.TrainLoss:F4} acc {Percent(row.TrainAccuracy)}" +
        (double.IsNaN(row.TestLoss) ? "" : $"  test loss {row.TestLoss:F4} acc {Percent(row.TestAccuracy)}") + $"  {row.Seconds:F1} s";

    static string Percent(double x) => double.IsNaN(x) ? "n/a" : $"{100 * x:F2}%";

    static TrainResult WithProgressBar(TrainingRun run, int threads, CancellationToken cancel)
    {
        TrainResult? result = null;
        Progress.Bar("training", 1, (task, console) =>
        {
            var started = DateTime.UtcNow;
            result = run.Run(threads, p =>
            {
                task.MaxValue = Math.Max(1, p.PlannedSteps);
                task.Value = p.Step;
                double rate = p.Step / Math.Max(1e-9, (DateTime.UtcNow - started).TotalSeconds);
                task.Description = Markup.Escape($"epoch {p.Epoch} loss {p.BatchLoss:F4} {rate:F0} steps/s");
                if (p.Row is { } row) console.MarkupLine(Markup.Escape(Line(p, row)));
            }, cancel);
        });
        return result!;
    }

    static void Summary(TextWriter stdout, RunConfig c, TrainResult r, RunDirectory run)
    {
        var table = new Table().AddColumn("").AddColumn(new TableColumn("train").RightAligned()).AddColumn(new TableColumn("test").RightAligned());
        table.AddRow("loss", $"{r.Train.Loss:F5}", r.Test is { } t ? $"{t.Loss:F5}" : "-");
        table.AddRow("accuracy", Percent(r.Train.Accuracy), r.Test is { } t3 ? Percent(t3.Accuracy) : "-");
        table.AddRow("examples", $"{r.Train.Count}", r.Test is { } t4 ? $"{t4.Count}" : "-");
        var console = Output.Console(stdout);
        console.WriteLine($"{(r.Resumed ? "resumed and trained" : "trained")} {c.Model} ({r.Parameters:N0} parameters) on {c.Data}: {r.Steps} steps, {r.Epochs} epochs, stopped: {r.StopReason}, {r.Seconds:F1} s");
        console.Write(table);
        console.WriteLine($"run directory: {run.Path} (model.json, metrics.csv, checkpoints/, final.safetensors)");
    }
}
