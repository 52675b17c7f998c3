using System.Text.Json.Nodes;
using Basin.Models;

namespace Basin.Connectivity;

/// <summary>
/// The path between two minima: the straight line, a Bezier curve or polygonal chain with trained bends (Garipov et al.
/// 2018), or a nudged elastic band with climbing image and AutoNEB insertion (Draxler et al. 2018).
/// </summary>
public enum PathKind { Line, Bezier, Polychain, Neb }

/// <summary>
/// How a path is found and evaluated: bends and the SGD of their training (epochs, learning rate, momentum, seed of the
/// minibatch order and the t draws), or the band's images, iterations per cycle, step (LearningRate) and cycles; Points
/// evenly spaced values of t at which the path is evaluated.
/// </summary>
public sealed record PathOptions(PathKind Kind)
{
    public int Bends { get; init; } = 1;
    public int Epochs { get; init; } = 20;
    public double LearningRate { get; init; } = 0.05;
    public double Momentum { get; init; } = 0.9;
    public int Images { get; init; } = 8;
    public int Iterations { get; init; } = 200;
    public int Cycles { get; init; } = 2;
    public int Points { get; init; } = 41;
    public ulong Seed { get; init; }
}

/// <summary>
/// A path evaluated at T (0 at the first minimum, 1 at the second): training (and test) loss and accuracy there, its
/// barrier (highest loss minus the larger end) and length.
/// </summary>
public sealed record PathResult(PathKind Kind, double[] T, Objective.Evaluation[] Train, Objective.Evaluation[]? Test, double Barrier, double Length)
{
    /// <summary>The trained curve, for a Bezier or polygonal path.</summary>
    internal Curve? Curve { get; init; }

    /// <summary>Loss and accuracy along the path as a 1D surface over t in [0, 1].</summary>
    public Landscape.Surface Along()
    {
        var along = new Landscape.Surface(new Landscape.Axis(0, 1, T.Length), null, Test is not null, new Dictionary<string, string>());
        for (int i = 0; i < T.Length; i++)
        {
            (along.TrainLoss[i], along.TrainAccuracy[i]) = (Train[i].Loss, Train[i].Accuracy);
            if (Test is { } te) (along.TestLoss![i], along.TestAccuracy![i]) = (te[i].Loss, te[i].Accuracy);
        }
        return along;
    }

    /// <summary>The JSON document of basin connect, naming the ends' weights files.</summary>
    public JsonObject ToJson(string a, string b)
    {
        var json = new JsonObject
        {
            ["curve"] = Kind.ToString().ToLowerInvariant(), ["a"] = a, ["b"] = b,
            ["t"] = JsonValues.Exact(T),
            ["loss"] = JsonValues.Numbers(Train.Select(e => e.Loss)),
            ["accuracy"] = JsonValues.Numbers(Train.Select(e => e.Accuracy)),
            ["barrier"] = Barrier, ["length"] = Length,
        };
        if (Test is { } test)
        {
            json["test_loss"] = JsonValues.Numbers(test.Select(e => e.Loss));
            json["test_accuracy"] = JsonValues.Numbers(test.Select(e => e.Accuracy));
        }
        return json;
    }
}
