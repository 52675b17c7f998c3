using System.Globalization;
using Basin.Training;

namespace Basin.Experiments;

/// <summary>
/// One of the papers' studies (DESIGN.md section 1): it trains what it needs under a directory, measures, and returns
/// its claims beside the measurements, with the data and figures of a report. <see cref="All"/> is the catalog.
/// </summary>
public abstract class Experiment
{
    /// <summary>The name on the command line: theory2, deep-linear, ...</summary>
    public abstract string Name { get; }

    /// <summary>The paper (or papers) whose claims it tests.</summary>
    public abstract string Paper { get; }

    /// <summary>
    /// Its own parameters besides the seed: name, meaning, the value the quick and the full run take, and whether it is a
    /// whole number.
    /// </summary>
    public abstract IReadOnlyList<(string Name, string Description, double Quick, double Full, bool Integer)> Parameters { get; }

    /// <summary>
    /// Whether it studies a set of images, the embedded Fashion-MNIST subset unless another is given (its parameter
    /// <c>n</c> counts the training images it takes); the others study synthetic problems of their own.
    /// </summary>
    public virtual bool TakesData => false;

    /// <summary>Whether its claims are about any network of the kind, so that one can be given in place of its own.</summary>
    public virtual bool TakesModel => false;

    /// <summary>
    /// Runs it, its training runs under <paramref name="directory"/> (reused when their settings and inputs match);
    /// <paramref name="quick"/> takes the small sizes the tests run, <paramref name="parameters"/> overrides any of
    /// <see cref="Parameters"/> by name; <paramref name="data"/> (from <paramref name="dataDir"/>) and <paramref name="model"/>
    /// replace the embedded subset and the experiment's network where it takes them (<see cref="TakesData"/>, <see cref="TakesModel"/>).
    /// </summary>
    public ExperimentResult Run(string directory, bool quick = false, ulong seed = 0, IReadOnlyDictionary<string, double>? parameters = null,
        string? data = null, string? dataDir = null, string? model = null) => Run(directory, quick, seed, parameters, data, dataDir, model, null);

    /// <summary>
    /// <see cref="Run(string, bool, ulong, IReadOnlyDictionary{string, double}?, string?, string?, string?)"/> with its
    /// independent training runs trained first by <paramref name="trainer"/>'s workers, round by round (a round's runs may
    /// depend on the last round's), then reused where the experiment measures them.
    /// </summary>
    internal ExperimentResult Run(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double>? parameters,
        string? data, string? dataDir, string? model, IRemoteTrainer? trainer)
    {
        if ((data ?? dataDir) is not null && !TakesData)
            throw new BasinException(data is null ? "{data-dir}" : "{data}", $"{Name} studies a synthetic problem of its own, not a data set", "leave it out");
        if (model is not null && !TakesModel)
            throw new BasinException("{model}", $"{Name} studies networks of its own (its claims are about them)", "leave it out; its parameters size them");
        foreach (var name in parameters?.Keys ?? [])
            if (!Parameters.Any(p => p.Name == name))
                throw new BasinException(Name, $"no parameter '{name}'", "parameters: " + string.Join(", ", Parameters.Select(p => p.Name)));
        var values = Parameters.ToDictionary(p => p.Name, p => parameters?.GetValueOrDefault(p.Name, double.NaN) is double v && !double.IsNaN(v)
            ? v : quick ? p.Quick : p.Full);
        foreach (var p in Parameters)
        {
            string value = values[p.Name].ToString(CultureInfo.InvariantCulture);
            if (p.Integer && values[p.Name] != Math.Floor(values[p.Name]))
                throw new BasinException($"{{{p.Name}}}", $"{value} is not a whole number");
            if (!(values[p.Name] >= Smallest(p.Name)) || (!p.Integer && !(values[p.Name] > 0)))
                throw new BasinException($"{{{p.Name}}}", $"{value} is too small for {Name}",
                    p.Integer || Smallest(p.Name) > 0
                        ? $"use at least {Smallest(p.Name).ToString(CultureInfo.InvariantCulture)}{(p.Name == "seeds" ? " (the claims compare over seeds with intervals)" : "")}"
                        : "use a value above 0");
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var inputs = new ExperimentInputs(data ?? ExperimentInputs.Default.Data, dataDir, model);
        if (trainer is not null) TrainFirst(trainer, () => Trainings(directory, quick, seed, values, inputs).Where(t => !t.Finished).ToList());
        var result = Measure(directory, quick, seed, values, inputs);
        result.Json["claims"] = ExperimentResult.ClaimsJson(result.Claims);
        result.Json["checks"] = ExperimentResult.ClaimsJson(result.Checks);
        result.Json["summary"] = new System.Text.Json.Nodes.JsonArray(result.Summary.Select(l => (System.Text.Json.Nodes.JsonNode)l).ToArray());
        result.Json["notes"] = new System.Text.Json.Nodes.JsonArray(result.Notes.Select(l => (System.Text.Json.Nodes.JsonNode)l).ToArray());
        result.Json["seconds"] = clock.Elapsed.TotalSeconds;
        return result;
    }

    /// <summary>The smallest value a parameter may take: 2 seeds, else 1 for whole numbers and anything above 0 for the others.</summary>
    protected virtual double Smallest(string parameter) => parameter == "seeds" ? 2 : Parameters.Single(p => p.Name == parameter).Integer ? 1 : 0;

    /// <summary>Whether it trains runs that workers elsewhere can train (<see cref="Trainings"/>).</summary>
    internal virtual bool Trains => false;

    /// <summary>
    /// The training runs it needs that can be named now, before any is measured: those independent of the others, and
    /// those whose settings follow from runs already finished (a target loss taken from another run).
    /// </summary>
    private protected virtual IEnumerable<TrainingTask> Trainings(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> parameters,
        ExperimentInputs inputs) => [];

    static void TrainFirst(IRemoteTrainer trainer, Func<List<TrainingTask>> pending)
    {
        for (var round = pending(); round.Count > 0; round = pending())
        {
            trainer.Train(round);
            if (round.FirstOrDefault(t => !t.Finished) is { } missing)
                throw new BasinException("{cluster}", $"the run trained for {missing.Directory} does not have its settings here",
                    "workers and coordinator must run the same version of basin");
        }
    }

    /// <summary>The study itself, with every parameter's value.</summary>
    private protected abstract ExperimentResult Measure(string directory, bool quick, ulong seed, IReadOnlyDictionary<string, double> parameters,
        ExperimentInputs inputs);

    public static IReadOnlyList<Experiment> All { get; } = [new TheoryTwo(), new DeepLinear(), new SpuriousValleys(), new GoodBadMinima(), new FlatnessReparam(), new SkipConnections()];

    public static Experiment Find(string name) => All.FirstOrDefault(e => e.Name == name)
        ?? throw new BasinException("experiment", $"unknown experiment '{name}'", "known: " + string.Join(", ", All.Select(e => e.Name)));

    /// <summary>A measurement as the claims print it: four significant digits.</summary>
    protected static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
