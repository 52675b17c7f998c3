using System.CommandLine;
using System.Text.Json.Nodes;
using Basin.Data;
using Basin.Landscape;
using Basin.Models;
using Basin.Objective;
using Spectre.Console;

namespace Basin.Cli.Commands;

/// <summary>
/// <c>basin interpolate A B</c>: loss and accuracy along w(t) = A + t (B - A) (Goodfellow et al. 2015), and the
/// barrier: the highest loss on the segment 0 &lt;= t &lt;= 1 minus the larger endpoint loss.
/// </summary>
internal static class InterpolateCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var common = new CommonOptions();
        var a = new Argument<string?>("A") { Description = "weights at t = 0 (safetensors file or run directory)", Arity = ArgumentArity.ZeroOrOne };
        var b = new Argument<string?>("B") { Description = "weights at t = 1", Arity = ArgumentArity.ZeroOrOne };
        var run = new Option<string?>("--run") { Description = "interpolate from a run's initial weights (step 0) to its final ones" };
        var range = new Option<string>("--range") { Description = "MIN:MAX:COUNT values of t", DefaultValueFactory = _ => "-0.5:1.5:41" };
        var test = new Option<bool>("--test") { Description = "also evaluate the test split" };
        var outPath = new Option<string?>("--out") { Description = "also write an HDF5 file (loss-landscape names, x = t)" };
        var command = new Command("interpolate", "Loss along the straight line between two weight vectors, and its barrier.");
        command.Arguments.Add(a);
        command.Arguments.Add(b);
        common.AddDataOptions(command);
        foreach (var o in new Option[] { run, range, test, outPath }) command.Options.Add(o);
        command.SetAction(r =>
        {
            string first, second;
            string? spec = r.GetValue(common.Model);
            if (r.GetValue(run) is { } runPath)
            {
                if (r.GetValue(a) is not null) throw new BasinException("--run", "give either --run or the weights A and B");
                var dir = new RunDirectory(runPath);
                spec ??= dir.ReadConfig().Model;
                (first, second) = (dir.Weights("0"), dir.Weights());
            }
            else
            {
                first = r.GetValue(a) ?? throw new BasinException("interpolate", "missing the weights A and B", "basin interpolate A B, or --run RUN");
                second = r.GetValue(b) ?? throw new BasinException("interpolate", "missing the weights B", "basin interpolate A B");
            }
            if (r.GetValue(outPath) is { } file) OutputPath.RequireFile(file, "--out");
            var data = common.LoadData(r);
            var (from, to) = common.Pair(r, data, first, second, spec);
            bool withTest = r.GetValue(test);
            var (surface, atA, atB, barrier, highest, at) = from.Interpolate(to, Axis.Parse(r.GetValue(range)!, "--range"),
                withTest ? DataCatalog.Load(r.GetValue(common.Data)!, "test", r.GetValue(common.DataDir)) : null);
            if (r.GetValue(outPath) is { } h5) SurfaceFile.Write(h5, surface);
            return Print(r, common, surface, atA, atB, barrier, highest, at, withTest, r.GetValue(outPath), stdout);
        });
        return command;
    }

    static int Print(ParseResult r, CommonOptions c, Surface surface, Evaluation a, Evaluation b, double barrier, double highest, double at, bool test,
        string? outPath, TextWriter stdout)
    {
        var axis = surface.X;
        var ends = new[] { a, b };
        if (r.GetValue(c.Json))
        {
            var json = surface.ToJson();
            json["t"] = json["x"]!.DeepClone();
            json.Remove("x");
            json["loss_a"] = Output.Number(ends[0].Loss);
            json["loss_b"] = Output.Number(ends[1].Loss);
            json["barrier"] = Output.Number(barrier);
            json["barrier_t"] = at;
            stdout.WriteLine(json.ToJsonString());
            return Cli.Ok;
        }
        var table = new Table().AddColumn("t").AddColumn(new TableColumn("train loss").RightAligned()).AddColumn(new TableColumn("train accuracy").RightAligned());
        if (test) table.AddColumn(new TableColumn("test loss").RightAligned()).AddColumn(new TableColumn("test accuracy").RightAligned());
        int step = Math.Max(1, axis.Count / 12);
        for (int i = 0; i < axis.Count; i += step)
        {
            var row = new List<string> { $"{axis[i]:G4}", $"{surface.TrainLoss[i]:G6}", Percent(surface.TrainAccuracy[i]) };
            if (test) { row.Add($"{surface.TestLoss![i]:G6}"); row.Add(Percent(surface.TestAccuracy![i])); }
            table.AddRow(row.ToArray());
        }
        var console = Output.Console(stdout);
        console.Write(table);
        console.WriteLine($"loss at A {ends[0].Loss:G6}, at B {ends[1].Loss:G6}; barrier {barrier:G6} (highest loss {highest:G6} at t = {at:G4})");
        if (outPath is not null) console.WriteLine($"wrote {outPath}");
        return Cli.Ok;
    }

    static string Percent(double x) => double.IsNaN(x) ? "n/a" : $"{100 * x:F2} %";
}
