using Basin.Connectivity;

namespace Basin.Cli.Commands;

/// <summary>
/// <c>basin connect A B</c>: a low-loss path between two minima (Garipov et al. 2018; Draxler et al. 2018) or the
/// straight line, with loss and accuracy along it, its barrier and its length; for a one-bend curve also the loss
/// surface of the plane through A, B and the bend.
/// </summary>
internal static class ConnectCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var common = new CommonOptions();
        var device = new DeviceOption();
        var a = new Argument<string>("A") { Description = "weights of the first minimum (file or run directory)" };
        common.FirstWeights = r => r.GetValue(a);
        var b = new Argument<string>("B") { Description = "weights of the second minimum" };
        var curveOption = new Option<string>("--curve") { Description = "line, bezier, polychain or neb", DefaultValueFactory = _ => "bezier" };
        var bends = new Option<int>("--bends") { Description = "bends of a bezier/polychain curve", DefaultValueFactory = _ => 1 };
        var epochs = new Option<int>("--epochs") { Description = "curve training epochs", DefaultValueFactory = _ => 20 };
        var lr = new Option<double>("--lr") { Description = "curve training learning rate (NEB: step size)", DefaultValueFactory = _ => 0.05 };
        var momentum = new Option<double>("--momentum") { Description = "curve training momentum", DefaultValueFactory = _ => 0.9 };
        var images = new Option<int>("--images") { Description = "NEB images between the ends", DefaultValueFactory = _ => 8 };
        var iterations = new Option<int>("--iterations") { Description = "NEB iterations per cycle", DefaultValueFactory = _ => 200 };
        var cycles = new Option<int>("--cycles") { Description = "NEB cycles (AutoNEB pivot insertion between them)", DefaultValueFactory = _ => 2 };
        var points = new Option<int>("--points") { Description = "evaluation points along the path", DefaultValueFactory = _ => 41 };
        var testOption = new Option<bool>("--test") { Description = "also evaluate the test split" };
        var seed = new Option<ulong>("--seed") { Description = "seed of the minibatch order and the t draws" };
        var outStem = new Option<string?>("--out") { Description = "write STEM.json and STEM-path.png/.svg (the path) and, for one bend, STEM.h5/.png/.svg (the plane)" };
        var command = new Command("connect", "Low-loss paths between two minima: straight line, Bezier or polygonal chain curves, nudged elastic band.");
        command.Arguments.Add(a);
        command.Arguments.Add(b);
        common.AddDataOptions(command);
        device.AddTo(command);
        var updateBn = new Option<bool>("--update-bn") { Description = "recompute BatchNorm's running statistics at every evaluated point by train-mode passes over the data (update_bn)" };
        foreach (var o in new Option[] { curveOption, bends, epochs, lr, momentum, images, iterations, cycles, points, testOption, seed, outStem, updateBn }) command.Options.Add(o);
        command.SetAction(r =>
        {
            if (r.GetValue(outStem) is { } target) OutputPath.RequireFile(target + ".json", "--out");
            var data = common.LoadData(r);
            var (first, to) = common.Pair(r, data, r.GetValue(a)!, r.GetValue(b)!);
            if (r.GetValue(updateBn)) first = first.UpdatingBatchNorm();
            return device.Run(r, first, data, null, stderr, from =>
            {
            string kind = r.GetValue(curveOption)!.ToLowerInvariant();
            var options = new PathOptions(Enum.GetValues<PathKind>().Where(k => k.ToString().ToLowerInvariant() == kind).Select(k => (PathKind?)k).FirstOrDefault()
                ?? throw new BasinException("--curve", $"unknown curve '{kind}'", "use line, bezier, polychain or neb"))
            {
                Bends = r.GetValue(bends), Epochs = r.GetValue(epochs), LearningRate = r.GetValue(lr), Momentum = r.GetValue(momentum),
                Images = r.GetValue(images), Iterations = r.GetValue(iterations), Cycles = r.GetValue(cycles), Points = r.GetValue(points), Seed = r.GetValue(seed),
            };
            var test = r.GetValue(testOption) ? common.LoadData(r, "test", null) : null;
            PathResult path = null!;
            bool curved = options.Kind is PathKind.Bezier or PathKind.Polychain;
            if (options.Kind == PathKind.Neb) path = Progress.Status(stderr, "relaxing the elastic band...", () => from.Connect(to, options, test));
            else if (curved) Progress.Run(stderr, $"training the {kind} curve", options.Epochs, 0, report => path = from.Connect(to, options, test, report));
            else path = from.Connect(to, options, test);
            var train = path.Train;
            var json = path.ToJson(from.WeightsPath, to.WeightsPath);
            if (r.GetValue(outStem) is { } stem)
            {
                AtomicFile.Write(stem + ".json", s => s.Write(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString())));
                Basin.Reports.Plots.SurfacePlots.Save(path.Along(), stem + "-path", xLabel: "t (A at 0, B at 1)");
                if (curved && options.Bends == 1)
                {
                    (Surface Plane, double[][] Curve)? p = null;
                    Progress.Run(stderr, "surface of the plane", 29 * 25, 0, report => p = from.PlaneThroughBend(path, report));
                    var (plane, curve) = p!.Value;
                    SurfaceFile.Write(stem + ".h5", plane);
                    Basin.Reports.Plots.TrajectoryPlot.Save([("curve", curve), ("line", [[0, 0], [1, 0]])], stem,
                        "Curve between minima on its plane", "along B - A", "towards the bend", plane);
                }
            }
            if (r.GetValue(common.Json)) { stdout.WriteLine(json.ToJsonString()); return Cli.Ok; }
            var table = new Table().AddColumn("t").AddColumn(new TableColumn("train loss").RightAligned()).AddColumn(new TableColumn("train accuracy").RightAligned());
            if (path.Test is not null) table.AddColumn(new TableColumn("test loss").RightAligned()).AddColumn(new TableColumn("test accuracy").RightAligned());
            double highest = train.Max(e => e.Loss);
            int peak = Array.FindIndex(train, e => e.Loss == highest);
            table.AddRows(path.T.Length, Output.Rows(path.T.Length, 11, peak), i => [$"{path.T[i]:G4}", $"{train[i].Loss:G6}", Output.Percent(train[i].Accuracy),
                .. path.Test is { } t ? [$"{t[i].Loss:G6}", Output.Percent(t[i].Accuracy)] : Array.Empty<string>()]);
            var console = Output.Console(stdout);
            console.Write(table);
            console.WriteLine($"{kind}: barrier {path.Barrier:G4} (highest loss {train.Max(e => e.Loss):G5}, ends {train[0].Loss:G5} and {train[^1].Loss:G5}), length {path.Length:G5}");
            return Cli.Ok;
            });
        });
        return command;
    }
}
