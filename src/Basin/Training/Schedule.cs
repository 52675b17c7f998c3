using System.Globalization;

namespace Basin.Training;

/// <summary>
/// Learning rate as a function of the update count: <c>constant</c>, <c>step:EPOCHS:GAMMA</c> (times GAMMA
/// every EPOCHS epochs, PyTorch StepLR), <c>step:E1,E2,...:GAMMA</c> (times GAMMA at each milestone epoch, MultiStepLR:
/// loss-landscape's recipe is <c>step:150,225,275:0.1</c>), <c>cosine</c> (to 0 over the planned steps,
/// CosineAnnealingLR), each optionally times a linear warm-up over the first W steps.
/// </summary>
internal sealed record Schedule(string Kind, double BaseRate, int StepEpochs = 0, double Gamma = 1, long TotalSteps = 0, int WarmupSteps = 0,
    int[]? Milestones = null)
{
    public static Schedule Parse(string text, double baseRate, long totalSteps, int warmupSteps)
    {
        if (baseRate <= 0 || !double.IsFinite(baseRate)) throw new BasinException("{lr}", $"{baseRate} is not a positive learning rate");
        if (warmupSteps < 0) throw new BasinException("{warmup}", "must be 0 or more steps");
        var parts = text.ToLowerInvariant().Split(':');
        switch (parts[0])
        {
            case "constant" when parts.Length == 1:
                return new Schedule("constant", baseRate, WarmupSteps: warmupSteps);
            case "cosine" when parts.Length == 1:
                if (totalSteps <= 0) throw new BasinException("{schedule}", "cosine needs a planned length", "give {epochs} or {steps}");
                return new Schedule("cosine", baseRate, TotalSteps: totalSteps, WarmupSteps: warmupSteps);
            case "step" when parts.Length == 3
                && int.TryParse(parts[1], out int epochs) && epochs > 0
                && double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double gamma) && gamma > 0:
                return new Schedule("step", baseRate, epochs, gamma, WarmupSteps: warmupSteps);
            case "step" when parts.Length == 3 && parts[1].Contains(',')
                && double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double factor) && factor > 0:
                var milestones = parts[1].Split(',').Select(m => int.TryParse(m, out int e) && e > 0 ? e : -1).ToArray();
                if (milestones.Any(m => m < 0) || !milestones.SequenceEqual(milestones.Order().Distinct()))
                    throw new BasinException("{schedule}", $"'{parts[1]}' are not increasing positive epochs", "e.g. step:150,225,275:0.1");
                return new Schedule("multistep", baseRate, Gamma: factor, WarmupSteps: warmupSteps, Milestones: milestones);
        }
        throw new BasinException("{schedule}", $"cannot read '{text}'", "use constant, cosine, step:EPOCHS:GAMMA (e.g. step:30:0.1) or step:E1,E2,...:GAMMA (e.g. step:150,225,275:0.1)");
    }

    /// <summary>The rate for the update after <paramref name="step"/> earlier updates, in epoch <paramref name="epoch"/>.</summary>
    public double Rate(long step, int epoch)
    {
        double lr = Kind switch
        {
            "step" => BaseRate * Math.Pow(Gamma, epoch / StepEpochs),
            "multistep" => BaseRate * Math.Pow(Gamma, Milestones!.Count(m => m <= epoch)),
            "cosine" => BaseRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(step, TotalSteps) / TotalSteps)),
            _ => BaseRate,
        };
        return WarmupSteps > 0 && step < WarmupSteps ? lr * (step + 1) / WarmupSteps : lr;
    }

    public override string ToString() => Kind switch
    {
        "step" => $"step:{StepEpochs}:{Gamma.ToString(CultureInfo.InvariantCulture)}",
        "multistep" => $"step:{string.Join(",", Milestones!)}:{Gamma.ToString(CultureInfo.InvariantCulture)}",
        _ => Kind,
    } + (WarmupSteps > 0 ? $" (warm-up {WarmupSteps} steps)" : "");
}
