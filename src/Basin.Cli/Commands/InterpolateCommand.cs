using System.Text.Json.Nodes;

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
        var cluster = new ClusterOption();
        var device = new DeviceOption(cluster);
        var a = new Argument<string?>("A") { Description = "weights at t = 0 (safetensors file or run directory)", Arity = ArgumentArity.ZeroOrOne };
        var b = new Argument<string?>("B") { Description = "weights at t = 1", Arity = ArgumentArity.ZeroOrOne };
        var run = new Option<string?>("--run") { Description = "interpolate from a run's initial weights (step 0) to its final ones" };
        common.FirstWeights = r => r.GetValue(run) ?? r.GetValue(a);
        var range = new Option<string>("--range") { Description = "MIN:MAX:COUNT values of t", DefaultValueFactory = _ => "-0.5:1.5:41" };
        var test = new Option<bool>("--test") { Description = "also evaluate the test split" };
        var outPath = new Option<string?>("--out") { Description = "also write an HDF5 file (loss-landscape names, x = t)" };
        var command = new Command("interpolate", "Loss along the straight line between two weight vectors, and its barrier.");
        command.Arguments.Add(a);
        command.Arguments.Add(b);
        common.AddDataOptions(command);
        cluster.AddTo(command);
        device.AddTo(command);
        var updateBn = new Option<bool>("--update-bn") { Description = "recompute BatchNorm's running statistics at every point by train-mode passes over the data (update_bn)" };
        foreach (var o in new Option[] { run, range, test, outPath, updateBn }) command.Options.Add(o);
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
            if (r.GetValue(updateBn)) from = from.UpdatingBatchNorm();
            bool withTest = r.GetValue(test);
            var testData = withTest ? common.LoadData(r, "test", null) : null;
            var t = Axis.Parse(r.GetValue(range)!, "--range");
            return cluster.Run(r, common, from, testData, null, stderr, a => device.Run(r, a, data, testData, stderr, l =>
                Report(l.Interpolate(to, t, testData), withTest, r.GetValue(outPath), r.GetValue(common.Json), stdout)));
        });
        return command;
    }

    static int Report((Surface Line, Objective.Evaluation A, Objective.Evaluation B, double Barrier, double Peak, double PeakT) result, bool withTest,
        string? outPath, bool asJson, TextWriter stdout)
    {
        var (surface, atA, atB, barrier, highest, at) = result;
        if (outPath is not null) SurfaceFile.Write(outPath, surface);
        if (asJson)
        {
            var json = surface.ToJson();
            json["t"] = json["x"]!.DeepClone();
            json.Remove("x");
            (json["loss_a"], json["loss_b"], json["barrier"], json["barrier_t"]) = (JsonValues.Number(atA.Loss), JsonValues.Number(atB.Loss), JsonValues.Number(barrier), at);
            stdout.WriteLine(json.ToJsonString());
            return Cli.Ok;
        }
        var table = new Table().AddColumn("t").AddColumn(new TableColumn("train loss").RightAligned()).AddColumn(new TableColumn("train accuracy").RightAligned());
        if (withTest) table.AddColumn(new TableColumn("test loss").RightAligned()).AddColumn(new TableColumn("test accuracy").RightAligned());
        int peak = Array.IndexOf(surface.TrainLoss, surface.TrainLoss.Max());
        int Nearest(double t) => Enumerable.Range(0, surface.X.Count).MinBy(i => Math.Abs(surface.X[i] - t));
        table.AddRows(surface.X.Count, Output.Rows(surface.X.Count, 13, peak, Nearest(0), Nearest(1)), i => [$"{surface.X[i]:G4}", $"{surface.TrainLoss[i]:G6}", Output.Percent(surface.TrainAccuracy[i]),
            .. withTest ? [$"{surface.TestLoss![i]:G6}", Output.Percent(surface.TestAccuracy![i])] : Array.Empty<string>()]);
        var console = Output.Console(stdout);
        console.Write(table);
        console.WriteLine($"loss at A {atA.Loss:G6}, at B {atB.Loss:G6}; barrier {barrier:G6} (highest loss {highest:G6} at t = {at:G4})");
        if (outPath is not null) console.WriteLine($"wrote {outPath}");
        return Cli.Ok;
    }
}
