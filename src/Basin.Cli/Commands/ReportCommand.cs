using System.Text.Json.Nodes;
using Basin.Reports;

namespace Basin.Cli.Commands;

/// <summary>
/// <c>basin report DIR</c>: one self-contained report.html from what a directory holds: an experiment's settings and
/// claims (experiment.json), the runs in it (model.json, metrics.csv), its figures (PNG) and 2D surfaces (3D views).
/// </summary>
internal static class ReportCommand
{
    public static Command Create(TextWriter stdout)
    {
        var dir = new Argument<string>("DIR") { Description = "a directory made by basin demo, basin experiment, or holding runs and surfaces" };
        var command = new Command("report", "Write DIR/report.html: settings, claims vs measurements, tables, figures and 3D surfaces, all inlined.");
        command.Arguments.Add(dir);
        command.SetAction(r =>
        {
            string path = DirectoryReport.Write(r.GetValue(dir)!);
            stdout.WriteLine($"wrote {path}");
            return Cli.Ok;
        });
        return command;
    }
}
