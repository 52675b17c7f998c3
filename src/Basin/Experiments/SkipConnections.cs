using System.Text.Json.Nodes;
using Basin.Training;
using Basin.Models;

namespace Basin.Experiments;

/// <summary>
/// Li, Xu, Taylor, Studer and Goldstein (2018), section 5: ResNets with and without skip connections at two depths,
/// trained over seeds; filter-normalized contour plots side by side, and non-convexity measured as the paper does, by the
/// convexity map |lambda_min / lambda_max| of the Hessian over the plane (the mean over its cells). Claims: without
/// shortcuts the landscape grows more non-convex with depth (control: the same depths with shortcuts); at the deeper
/// depth, removing the shortcuts makes it more non-convex (control: the same comparison at the shallow depth).
/// </summary>
internal sealed class SkipConnections : Experiment
{
    public override string Name => "skip-connections";
    public override string Paper => "Li, Xu, Taylor, Studer and Goldstein (2018), Visualizing the Loss Landscape of Neural Nets, section 5";

    public override IReadOnlyList<(string Name, string Description, double Quick, double Full, bool Integer)> Parameters { get; } =
    [
        ("seeds", "seeds of each network", 3, 3, true),
        ("n", "training images (the first of the data set, through the presets' in=C)", 128, 2000, true),
        ("width", "channels of the first stage (loss-landscape's ResNets have 16)", 4, 16, true),
        ("shallow", "depth of the shallow ResNets (6n + 2)", 8, 20, true),
        ("deep", "depth of the deep ResNets (6n + 2)", 20, 56, true),
        ("epochs", "training epochs (SGD, learning rate / 10 at half and three quarters)", 40, 60, true),
        ("target-loss", "the training loss a minimum must reach (in eval mode) for the claims to be decided", 1.1, 0.1, false),
        ("grid", "points per axis of the loss surface on [-1, 1]^2", 9, 21, true),
        ("eigen-grid", "points per axis of the convexity map", 3, 7, true),
        ("eigen-examples", "training images the Hessian is taken over", 64, 256, true),
        ("eigen-steps", "Lanczos steps per cell of the convexity map", 8, 20, true),
    ];

    protected override double Smallest(string parameter) => parameter switch
    {
        "shallow" or "deep" => 8,
        "eigen-steps" => 2,
        "epochs" => 4,
        "eigen-grid" or "grid" => 2,
        _ => base.Smallest(parameter),
    };

    public override bool TakesData => true;

    internal override bool Trains => true;

    /// <summary>The runs of the settings, and the shallow and deep depths (each 6n + 2).</summary>
    static (SkipConnectionsRuns Runs, int Shallow, int Deep) Runs(string directory, IReadOnlyDictionary<string, double> p, ExperimentInputs inputs)
    {
        int shallow = (int)p["shallow"], deep = (int)p["deep"];
        if ((shallow - 2) % 6 != 0 || (deep - 2) % 6 != 0 || deep <= shallow)
            throw new BasinException("{deep}", $"depths {shallow} and {deep}: each must be 6n + 2 and the deep one deeper", "e.g. 20 and 56");
        return (new SkipConnectionsRuns(inputs, (int)p["n"], (int)p["width"], (int)p["epochs"], p["target-loss"], directory), shallow, deep);
    }

    private protected override IEnumerable<TrainingTask> Trainings(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> p,
        ExperimentInputs inputs)
    {
        var (runs, shallow, deep) = Runs(directory, p, inputs);
        return from depth in new[] { shallow, deep } from shortcuts in new[] { true, false } from k in Enumerable.Range(0, (int)p["seeds"])
               select runs.Run(depth, shortcuts, seed + (ulong)k);
    }

    private protected override ExperimentResult Measure(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> p, ExperimentInputs inputs)
    {
        int seeds = (int)p["seeds"];
        var (runs, shallow, deep) = Runs(directory, p, inputs);
        ResNetMinimum[] Nets(int depth, bool shortcuts) => Enumerable.Range(0, seeds)
            .Select(k => runs.Minimum(depth, shortcuts, seed + (ulong)k, (int)p["grid"], (int)p["eigen-grid"], (int)p["eigen-examples"], (int)p["eigen-steps"])).ToArray();
        var shallowShort = Nets(shallow, true);
        var shallowNo = Nets(shallow, false);
        var deepShort = Nets(deep, true);
        var deepNo = Nets(deep, false);
        var all = shallowShort.Concat(shallowNo).Concat(deepShort).Concat(deepNo).ToArray();
        bool converged = all.All(m => m.Converged);

        Claim[] claims =
        [
            Compare($"Without skip connections the landscape grows more non-convex with depth (ResNet-{deep}-noshort against ResNet-{shallow}-noshort)",
                deepNo, shallowNo, ($"the same depths with skip connections (ResNet-{deep} against ResNet-{shallow})", deepShort, shallowShort), converged),
            Compare($"At depth {deep}, removing the skip connections makes the landscape more non-convex (ResNet-{deep}-noshort against ResNet-{deep})",
                deepNo, deepShort, ($"the same comparison at depth {shallow}", shallowNo, shallowShort), converged),
        ];
        var json = new JsonObject
        {
            ["title"] = "Skip connections and the non-convexity of the loss landscape",
            ["paper"] = Paper,
            ["settings"] = new JsonObject
            {
                ["models"] = new JsonArray(new[] { (shallow, true), (shallow, false), (deep, true), (deep, false) }.Select(m => (JsonNode)runs.Spec(m.Item1, m.Item2)).ToArray()),
                ["examples"] = runs.Train.Count, ["optimizer"] = "sgd lr 0.1 momentum 0.9 weight decay 5e-4 batch 32", ["epochs"] = (int)p["epochs"],
                ["target_loss"] = p["target-loss"], ["directions"] = "filter-normalized, biasbn", ["grid"] = (int)p["grid"], ["eigen_grid"] = (int)p["eigen-grid"],
                ["eigen_examples"] = (int)p["eigen-examples"], ["eigen_steps"] = (int)p["eigen-steps"], ["seeds"] = seeds, ["seed"] = seed, ["quick"] = quick,
            },
            ["minima"] = new JsonArray(all.Select(m => (JsonNode)new JsonObject
            {
                ["model"] = m.Name, ["seed"] = m.Seed, ["train_loss"] = m.TrainLoss, ["train_accuracy"] = m.TrainAccuracy, ["converged"] = m.Converged,
                ["non_convexity"] = m.NonConvexity, ["max_eig"] = JsonValues.Numbers(m.Convexity.MaxEig!), ["min_eig"] = JsonValues.Numbers(m.Convexity.MinEig!),
            }).ToArray()),
        };
        var figures = new[] { shallowShort[0], shallowNo[0], deepShort[0], deepNo[0] }
            .SelectMany(m => new[]
            {
                new Figure($"{m.Name}-contour", $"{m.Name} (width {(int)p["width"]}), seed {m.Seed}: training loss", "x", "y") { Surface = m.Loss },
                new Figure($"{m.Name}-convexity", $"{m.Name}, seed {m.Seed}: |min/max eigenvalue|", "x", "y") { Surface = m.Convexity, Convexity = true },
            }).ToArray();
        return new ExperimentResult(claims, json, figures)
        {
            Summary = [$"ResNets of width {(int)p["width"]} at depths {shallow} and {deep}, with and without skip connections, on {runs.Train.Count} images, {seeds} seeds: " +
                $"{all.Count(m => m.Converged)}/{all.Length} reached training loss <= {F(p["target-loss"])}"],
            Notes = [.. all.Select(m => $"{m.Name}, seed {m.Seed}: training loss {F(m.TrainLoss)}, accuracy {F(100 * m.TrainAccuracy)} %, " +
                $"mean |min/max eigenvalue| {F(m.NonConvexity)}, at the minimum {F(m.Convexity.Convexity(m.Convexity.Center!.Value))}")],
        };
    }

    /// <summary>The paired per-seed difference of non-convexity, a - b, with the control's the same way.</summary>
    static Claim Compare(string statement, ResNetMinimum[] a, ResNetMinimum[] b, (string Condition, ResNetMinimum[] A, ResNetMinimum[] B) control, bool converged)
    {
        var seeds = a.Select((m, k) => m.NonConvexity - b[k].NonConvexity).ToArray();
        var controlSeeds = control.A.Select((m, k) => m.NonConvexity - control.B[k].NonConvexity).ToArray();
        var interval = Statistics.Interval(seeds);
        return new Claim(statement, $"mean |min/max eigenvalue|: {a[0].Name} {Statistics.Text(a.Select(m => m.NonConvexity).ToArray())}, " +
            $"{b[0].Name} {Statistics.Text(b.Select(m => m.NonConvexity).ToArray())}; difference interval {Statistics.Text(interval)}",
            converged ? Statistics.Positive(interval) : Verdict.Inconclusive)
        {
            Rule = "holds if the 95 % interval of the paired difference of mean |min/max eigenvalue| lies above 0 (inconclusive if a network missed the target loss)",
            Control = (control.Condition, $"difference interval {Statistics.Text(Statistics.Interval(controlSeeds))}"),
            Seeds = seeds, ControlSeeds = controlSeeds,
        };
    }
}
