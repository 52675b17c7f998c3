using System.CommandLine;
using System.Numerics;
using System.Text.Json.Nodes;
using Basin.Connectivity;
using Basin.Data;
using Basin.Landscape;
using Basin.Models;
using Basin.Objective;
using Basin.Tensors;
using Spectre.Console;

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
        var a = new Argument<string>("A") { Description = "weights of the first minimum (file or run directory)" };
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
        var test = new Option<bool>("--test") { Description = "also evaluate the test split" };
        var seed = new Option<ulong>("--seed") { Description = "seed of the minibatch order and the t draws" };
        var outStem = new Option<string?>("--out") { Description = "write STEM.json and STEM-path.png/.svg (the path) and, for one bend, STEM.h5/.png/.svg (the plane)" };
        var command = new Command("connect", "Low-loss paths between two minima: straight line, Bezier or polygonal chain curves, nudged elastic band.");
        command.Arguments.Add(a);
        command.Arguments.Add(b);
        common.AddDataOptions(command);
        foreach (var o in new Option[] { curveOption, bends, epochs, lr, momentum, images, iterations, cycles, points, test, seed, outStem }) command.Options.Add(o);
        command.SetAction(r => CommonOptions.IsDouble(r.GetValue(common.DType)!)
            ? Run<double>(r, common, a, b, curveOption, bends, epochs, lr, momentum, images, iterations, cycles, points, test, seed, outStem, stdout, stderr)
            : Run<float>(r, common, a, b, curveOption, bends, epochs, lr, momentum, images, iterations, cycles, points, test, seed, outStem, stdout, stderr));
        return command;
    }

    static int Run<T>(ParseResult r, CommonOptions common, Argument<string> a, Argument<string> b, Option<string> curveOption, Option<int> bends,
        Option<int> epochs, Option<double> lr, Option<double> momentum, Option<int> images, Option<int> iterations, Option<int> cycles,
        Option<int> points, Option<bool> test, Option<ulong> seed, Option<string?> outStem, TextWriter stdout, TextWriter stderr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (r.GetValue(outStem) is { } target) OutputPath.RequireFile(target + ".json", "--out");
        string first = r.GetValue(a)!, second = r.GetValue(b)!;
        var (specA, pathA, pathB) = CommonOptions.ResolvePair(r.GetValue(common.Model), first, second);
        var data = common.LoadData(r);
        var network = ModelSpec.Build<T>(specA, data.InputShape);
        var wa = SafeTensors.ReadTheta<double>(pathA, network.Layout);
        var wb = SafeTensors.ReadTheta<double>(pathB, network.Layout);
        int threads = r.GetValue(common.Threads);
        var objective = new EmpiricalRisk<T>(network, data, r.GetValue(common.Loss)!, r.GetValue(common.L2), r.GetValue(common.Batch), threads);
        EmpiricalRisk<T>? testObjective = r.GetValue(test)
            ? new EmpiricalRisk<T>(network, DataCatalog.Load(r.GetValue(common.Data)!, "test", r.GetValue(common.DataDir)), r.GetValue(common.Loss)!, r.GetValue(common.L2), r.GetValue(common.Batch), threads)
            : null;
        string kind = r.GetValue(curveOption)!.ToLowerInvariant();
        Func<double, double[]> path;
        double length;
        Curve? curve = null;
        switch (kind)
        {
            case "line":
                path = t => wa.Select((x, j) => (1 - t) * x + t * wb[j]).ToArray();
                length = Math.Sqrt(wa.Zip(wb, (x, y) => (x - y) * (x - y)).Sum());
                break;
            case "bezier" or "polychain":
                curve = new Curve(kind == "bezier" ? CurveKind.Bezier : CurveKind.Polychain, wa, wb, r.GetValue(bends));
                var minibatch = new EmpiricalRisk<T>(network, data, r.GetValue(common.Loss)!, r.GetValue(common.L2), 64, threads);
                Progress.Run(stderr, $"training the {kind} curve", r.GetValue(epochs), 0, report =>
                    CurveTraining.Train(curve, minibatch, r.GetValue(epochs), 128, r.GetValue(lr), r.GetValue(momentum), r.GetValue(seed), (e, _) => report(e)));
                path = curve.At;
                length = curve.Length();
                break;
            case "neb":
                var band = Progress.Status(stderr, "relaxing the elastic band...", () =>
                    NudgedElasticBand.Run(new LossLandscape<T>(objective), wa, wb, r.GetValue(images), r.GetValue(iterations), r.GetValue(lr), 1, r.GetValue(cycles)));
                path = t => Polyline(band.Images, t);
                length = band.Length;
                break;
            default:
                throw new BasinException("--curve", $"unknown curve '{kind}'", "use line, bezier, polychain or neb");
        }
        int count = Math.Max(2, r.GetValue(points));
        var ts = Enumerable.Range(0, count).Select(i => (double)i / (count - 1)).ToArray();
        var train = ts.Select(t => objective.Evaluate(Numbers.To<T>(path(t)))).ToArray();
        var testEval = testObjective is null ? null : ts.Select(t => testObjective.Evaluate(Numbers.To<T>(path(t)))).ToArray();
        double ends = Math.Max(train[0].Loss, train[^1].Loss), top = train.Max(e => e.Loss);
        var json = new JsonObject
        {
            ["curve"] = kind, ["a"] = pathA, ["b"] = pathB,
            ["t"] = new JsonArray(ts.Select(t => (JsonNode)t).ToArray()),
            ["loss"] = new JsonArray(train.Select(e => Output.Number(e.Loss)).ToArray()),
            ["accuracy"] = new JsonArray(train.Select(e => Output.Number(e.Accuracy)).ToArray()),
            ["barrier"] = top - ends, ["length"] = length,
        };
        if (testEval is not null)
        {
            json["test_loss"] = new JsonArray(testEval.Select(e => Output.Number(e.Loss)).ToArray());
            json["test_accuracy"] = new JsonArray(testEval.Select(e => Output.Number(e.Accuracy)).ToArray());
        }
        if (r.GetValue(outStem) is { } stem)
        {
            AtomicFile.Write(stem + ".json", s => s.Write(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString())));
            var along = new Surface(new Axis(0, 1, count), null, testEval is not null, new Dictionary<string, string>());
            for (int i = 0; i < count; i++)
            {
                (along.TrainLoss[i], along.TrainAccuracy[i]) = (train[i].Loss, train[i].Accuracy);
                if (testEval is not null) (along.TestLoss![i], along.TestAccuracy![i]) = (testEval[i].Loss, testEval[i].Accuracy);
            }
            Basin.Reports.Plots.SurfacePlots.Save(along, stem + "-path");
            if (curve is { Bends.Length: 1 }) PlaneThroughBend(curve, objective, stem, stderr);
        }
    if (r.GetValue(common.Json)) { stdout.WriteLine(json.ToJsonString()); return Cli.Ok; }
        var table = new Table().AddColumn("t").AddColumn(new TableColumn("train loss").RightAligned()).AddColumn(new TableColumn("train accuracy").RightAligned());
        for (int i = 0; i < count; i += Math.Max(1, count / 10))
            table.AddRow($"{ts[i]:F2}", $"{train[i].Loss:G6}", $"{100 * train[i].Accuracy:F2} %");
        var console = Output.Console(stdout);
        console.Write(table);
        console.WriteLine($"{kind}: barrier {top - ends:G4} (highest loss {top:G5}, ends {train[0].Loss:G5} and {train[^1].Loss:G5}), length {length:G5}");
        return Cli.Ok;
    }

    /// <summary>The point at fraction t of the way along a chain of images (by image index).</summary>
    static double[] Polyline(double[][] images, double t)
    {
        double position = Math.Clamp(t, 0, 1) * (images.Length - 1);
        int s = Math.Min((int)position, images.Length - 2);
        double u = position - s;
        return images[s].Zip(images[s + 1], (x, y) => (1 - u) * x + u * y).ToArray();
    }

    /// <summary>The loss on the plane through A, B and the bend, with the curve drawn on it (coordinates: A at the origin).</summary>
    static void PlaneThroughBend<T>(Curve curve, EmpiricalRisk<T> objective, string stem, TextWriter stderr) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p = curve.A.Length;
        var u = curve.B.Select((x, j) => x - curve.A[j]).ToArray();
        var v = curve.Bends[0].Select((x, j) => x - curve.A[j]).ToArray();
        double uu = u.Sum(x => x * x);
        double c = u.Zip(v, (x, y) => x * y).Sum() / uu;
        for (int j = 0; j < p; j++) v[j] -= c * u[j];
        double vv = Math.Max(v.Sum(x => x * x), 1e-300);
        var coords = Enumerable.Range(0, 41).Select(i =>
        {
            var point = curve.At(i / 40.0);
            double a = 0, b = 0;
            for (int j = 0; j < p; j++) { double d = point[j] - curve.A[j]; a += d * u[j]; b += d * v[j]; }
            return new[] { a / uu, b / vv };
        }).ToArray();
        double bMax = Math.Max(0.1, coords.Max(q => Math.Abs(q[1])));
        var plane = new Surface(new Axis(-0.2, 1.2, 29), new Axis(-1.5 * bMax, 1.5 * bMax, 25), false, new Dictionary<string, string>());
        Progress.Run(stderr, "surface of the plane", plane.Cells, 0, report =>
            SurfaceComputation.Complete(plane, objective, null, Numbers.To<T>(curve.A), Numbers.To<T>(u), Numbers.To<T>(v), progress: report));
        SurfaceFile.Write(stem + ".h5", plane);
        Basin.Reports.Plots.TrajectoryPlot.Save([("curve", coords), ("line", [[0, 0], [1, 0]])], stem,
            "Curve between minima on its plane", "along B - A", "towards the bend", plane);
    }
}
