using System.Text.Json.Nodes;
using Basin.Models;
using Basin.Tensors;

namespace Basin.Landscape;

/// <summary>
/// Loss and accuracy on a 1D or 2D grid around theta, cell (i, j) at x[i], y[j] stored at i * ny + j, with a
/// mask of the cells computed so far (a partial surface can be resumed). Accuracy is a fraction here. With
/// eigenvalues, each cell also holds the Hessian's largest and smallest eigenvalue (loss-landscape's max_eig, min_eig).
/// </summary>
public sealed class Surface
{
    public Axis X { get; }
    public Axis? Y { get; }
    public bool HasTest { get; }
    public double[] TrainLoss { get; }
    public double[] TrainAccuracy { get; }
    public double[]? TestLoss { get; }
    public double[]? TestAccuracy { get; }
    public double[]? MaxEig { get; }
    public double[]? MinEig { get; }
    public bool[] Done { get; }
    public IReadOnlyDictionary<string, string> Settings { get; }

    public Surface(Axis x, Axis? y, bool hasTest, IReadOnlyDictionary<string, string> settings, bool eigen = false)
    {
        X = x; Y = y; HasTest = hasTest; Settings = settings;
        long cells = (long)x.Count * (y?.Count ?? 1);
        int arrays = (hasTest ? 4 : 2) + (eigen ? 2 : 0);
        string grid = $"a {x.Count}{(y is null ? "" : $" x {y.Count}")} grid", hint = "use fewer points per axis ({xrange}/{yrange} MIN:MAX:COUNT)";
        // The arrays, the file's copies of them and the computed mask.
        MemoryBudget.Require(cells * (24.0 * arrays + 2), grid, hint);
        if (cells > Array.MaxLength) throw new BasinException(grid, $"{cells:N0} cells are more than one array holds", hint);
        int n = Cells;
        TrainLoss = Filled(n); TrainAccuracy = Filled(n);
        if (hasTest) { TestLoss = Filled(n); TestAccuracy = Filled(n); }
        if (eigen) { MaxEig = Filled(n); MinEig = Filled(n); }
        Done = new bool[n];
    }

    /// <summary>The training loss at a point of a 2D surface's plane: bilinear between its grid's points, clamped to the grid.</summary>
    internal double LossAt(double x, double y)
    {
        static (int Lo, double Frac) Locate(Axis a, double v)
        {
            double u = Math.Clamp((v - a.Min) / (a.Max - a.Min) * (a.Count - 1), 0, a.Count - 1);
            int lo = Math.Min((int)u, a.Count - 2);
            return (lo, u - lo);
        }
        var (i, fx) = Locate(X, x);
        var (j, fy) = Locate(Y!, y);
        double At(int a, int b) => TrainLoss[a * Columns + b];
        return (1 - fx) * ((1 - fy) * At(i, j) + fy * At(i, j + 1)) + fx * ((1 - fy) * At(i + 1, j) + fy * At(i + 1, j + 1));
    }

    /// <summary>|lambda_min / lambda_max| of a cell: Li et al.'s convexity map (NaN without eigenvalues).</summary>
    public double Convexity(int cell) => MaxEig is null ? double.NaN : Math.Abs(MinEig![cell] / MaxEig[cell]);

    /// <summary>Keeps a computed cell's values (those the surface holds) and marks it done.</summary>
    internal void Store(int cell, CellValues v)
    {
        TrainLoss[cell] = v.TrainLoss;
        TrainAccuracy[cell] = v.TrainAccuracy;
        if (HasTest) { TestLoss![cell] = v.TestLoss; TestAccuracy![cell] = v.TestAccuracy; }
        if (MaxEig is not null) { MaxEig[cell] = v.MaxEig; MinEig![cell] = v.MinEig; }
        Done[cell] = true;
    }

    static double[] Filled(int n) { var a = new double[n]; Array.Fill(a, double.NaN); return a; }

    /// <summary>Measured cost of one cell in the last pass (sizes the next chunk).</summary>
    public double SecondsPerCell { get; set; } = double.NaN;

    public int Columns => Y?.Count ?? 1;
    public int Cells => X.Count * Columns;
    public int Completed => Done.Count(d => d);
    public (double X, double Y) Coordinates(int cell) => (X[cell / Columns], Y is null ? 0 : Y[cell % Columns]);

    /// <summary>The cell nearest the origin, if the origin lies inside the grid.</summary>
    public int? Center
    {
        get
        {
            int Nearest(Axis a) => a.Count == 1 ? 0 : (int)Math.Round((0 - a.Min) / (a.Max - a.Min) * (a.Count - 1));
            int i = Nearest(X), j = Y is null ? 0 : Nearest(Y);
            return i >= 0 && i < X.Count && j >= 0 && j < Columns ? i * Columns + j : null;
        }
    }

    /// <summary>The cell of the lowest finite training loss (the first of equals), if any.</summary>
    public int? Lowest
    {
        get
        {
            int? best = null;
            for (int i = 0; i < Cells; i++)
                if (double.IsFinite(TrainLoss[i]) && (best is null || TrainLoss[i] < TrainLoss[best.Value])) best = i;
            return best;
        }
    }

    /// <summary>The JSON document of basin surface: x (and y), then loss and accuracy (and the test's) as rows per x.</summary>
    public JsonObject ToJson()
    {
        JsonNode Grid(double[] v) => Y is null
            ? JsonValues.Numbers(v)
            : new JsonArray(Enumerable.Range(0, X.Count).Select(i => (JsonNode)JsonValues.Numbers(v.Skip(i * Columns).Take(Columns))).ToArray());
        var json = new JsonObject { ["x"] = JsonValues.Exact(X.Values()) };
        if (Y is not null) json["y"] = JsonValues.Exact(Y.Values());
        json["loss"] = Grid(TrainLoss);
        json["accuracy"] = Grid(TrainAccuracy);
        if (HasTest)
        {
            json["test_loss"] = Grid(TestLoss!);
            json["test_accuracy"] = Grid(TestAccuracy!);
        }
        if (MaxEig is not null)
        {
            json["max_eig"] = Grid(MaxEig);
            json["min_eig"] = Grid(MinEig!);
        }
        return json;
    }
}
