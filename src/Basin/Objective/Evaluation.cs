namespace Basin.Objective;

/// <summary>Mean loss (with the l2 term when set), accuracy as a fraction (NaN without labels), and N.</summary>
public readonly record struct Evaluation(double Loss, double Accuracy, int Count);
