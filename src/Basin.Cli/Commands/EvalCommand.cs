using System.Text.Json.Nodes;

namespace Basin.Cli.Commands;

/// <summary><c>basin eval</c>: mean loss and accuracy of a model's weights on a data set.</summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter stdout)
    {
        var o = new CommonOptions();
        var device = new DeviceOption();
        var command = new Command("eval", "Loss and accuracy of a model's weights on a data set.");
        o.AddTo(command);
        device.AddTo(command);
        command.SetAction(r =>
        {
            bool cuda = device.Cuda(r);
            var data = o.LoadData(r);
            var landscape = o.Landscape(r, data);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var (e, on) = cuda ? DeviceOption.Evaluate(landscape, data) : (landscape.Evaluate(), "cpu");
            sw.Stop();
            if (r.GetValue(o.Json))
            {
                var json = new JsonObject
                {
                    ["loss"] = JsonValues.Number(e.Loss), ["accuracy"] = JsonValues.Number(e.Accuracy), ["n"] = e.Count, ["parameters"] = landscape.ParameterCount,
                };
                if (cuda) json["device"] = on;
                stdout.WriteLine(json.ToJsonString());
                return Cli.Ok;
            }
            var table = new Table().AddColumn("quantity").AddColumn(new TableColumn("value").RightAligned());
            table.AddRow("model", Markup.Escape(landscape.Spec));
            table.AddRow("data", Markup.Escape($"{data.Name} {data.Split} (n = {e.Count})"));
            table.AddRow("parameters", landscape.ParameterCount.ToString("N0"));
            table.AddRow("loss", $"{e.Loss:G8}");
            table.AddRow("accuracy", double.IsNaN(e.Accuracy) ? "n/a (no labels)" : $"{100 * e.Accuracy:F2} %");
            table.AddRow("time", $"{sw.Elapsed.TotalMilliseconds:F1} ms");
            if (cuda) table.AddRow("device", Markup.Escape(on));
            Output.Console(stdout).Write(table);
            return Cli.Ok;
        });
        return command;
    }
}
