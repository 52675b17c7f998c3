namespace Basin.Landscape;

/// <summary>What a surface holds at one cell: training (and test) loss and accuracy, and the Hessian's extremes when measured.</summary>
internal readonly record struct CellValues(double TrainLoss, double TrainAccuracy, double TestLoss = double.NaN, double TestAccuracy = double.NaN,
    double MaxEig = double.NaN, double MinEig = double.NaN);
