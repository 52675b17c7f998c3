using System.Numerics;

namespace Basin.Objective;

/// <summary>
/// ||theta + a dx + b dy||^2 for any (a, b) from six dot products taken once in float64: the l2 term of a plane's points.
/// </summary>
internal readonly record struct PlaneNorm(double ThetaTheta, double XX, double YY, double ThetaX, double ThetaY, double XY)
{
    public static PlaneNorm Of<T>(ReadOnlySpan<T> theta, ReadOnlySpan<T> dx, ReadOnlySpan<T> dy) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double tt = 0, xx = 0, yy = 0, tx = 0, ty = 0, xy = 0;
        for (int i = 0; i < theta.Length; i++)
        {
            double w = double.CreateTruncating(theta[i]), u = double.CreateTruncating(dx[i]), v = double.CreateTruncating(dy[i]);
            tt += w * w; xx += u * u; yy += v * v; tx += w * u; ty += w * v; xy += u * v;
        }
        return new(tt, xx, yy, tx, ty, xy);
    }

    public double At(double a, double b) => ThetaTheta + a * a * XX + b * b * YY + 2 * a * ThetaX + 2 * b * ThetaY + 2 * a * b * XY;
}
