using System.Globalization;

namespace Basin.Landscape;

/// <summary>Evenly spaced coordinates: "-1:1:21" is 21 values from -1 to 1 inclusive.</summary>
public sealed record Axis(double Min, double Max, int Count)
{
    public static Axis Parse(string text, string option)
    {
        var p = text.Split(':');
        if (p.Length == 3
            && double.TryParse(p[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double min)
            && double.TryParse(p[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double max)
            && int.TryParse(p[2], out int n) && n >= 1 && double.IsFinite(min) && double.IsFinite(max))
        {
            if (n > 1 && max <= min) throw new BasinException(option, $"'{text}': the end must be above the start");
            return new Axis(min, max, n);
        }
        throw new BasinException(option, $"cannot read '{text}'", "write MIN:MAX:COUNT, e.g. -1:1:21 (21 points from -1 to 1)");
    }

    public double this[int i] => Count == 1 ? Min : Min + (Max - Min) * i / (Count - 1);

    public double[] Values()
    {
        var v = new double[Count];
        for (int i = 0; i < Count; i++) v[i] = this[i];
        return v;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Min}:{Max}:{Count}");
}
