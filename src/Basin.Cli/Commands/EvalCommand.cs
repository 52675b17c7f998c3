using System.CommandLine;
using System.Numerics;
using System.Text.Json.Nodes;
using Basin.Objective;
using Spectre.Console;

namespace Basin.Cli.Commands;

/// <summary><c>basin eval</c>: mean loss and accuracy of given weights on a data set.</summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter stdout)
    {
        var o = new CommonOptions();
        var command = new Command("eval", "Loss and accuracy of a model's weights on a data set.");
        o.AddTo(command);
        command.SetAction(r => CommonOptions.IsDouble(r.GetValue(o.DType)!) ? Run<double>(r, o, stdout) : Run<float>(r, o, stdout));
        return command;
    }

    static int Run<T>(ParseResult r, CommonOptions o, TextWriter stdout) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var data = o.LoadData(r);
        var (network, theta) = o.LoadModel<T>(r, data);
        // One pass: finding the zero patterns of a sparse first layer would cost more than it saves.
        var objective = new EmpiricalRisk<T>(network, data, r.GetValue(o.Loss)!, r.GetValue(o.L2), r.GetValue(o.Batch), r.GetValue(o.Threads)) { SkipsZeroInputs = false };
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var e = objective.Evaluate(theta);
        sw.Stop();
        if (r.GetValue(o.Json))
        {
            var json = new JsonObject
            {
                ["loss"] = Output.Number(e.Loss),
                ["accuracy"] = Output.Number(e.Accuracy),
                ["n"] = e.Count,
                ["parameters"] = network.ParameterCount,
            };
            stdout.WriteLine(json.ToJsonString());
            return Cli.Ok;
        }
        var table = new Table().AddColumn("quantity").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("model", Markup.Escape(network.Describe()));
        table.AddRow("data", Markup.Escape($"{data.Name} {r.GetValue(o.Split)} (n = {e.Count})"));
        table.AddRow("parameters", network.ParameterCount.ToString("N0"));
        table.AddRow("loss", $"{e.Loss:G8}");
        table.AddRow("accuracy", double.IsNaN(e.Accuracy) ? "n/a (no labels)" : $"{100 * e.Accuracy:F2} %");
        table.AddRow("time", $"{sw.Elapsed.TotalMilliseconds:F1} ms");
        Output.Console(stdout).Write(table);
        return Cli.Ok;
    }
}
