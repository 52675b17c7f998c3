namespace Basin.Tensors;

/// <summary>
/// Seeded xoshiro256** generator with Box-Muller normals: the same seed gives the same stream on every
/// platform and .NET version (System.Random makes no such promise).
/// </summary>
internal sealed class Rng
{
    ulong s0, s1, s2, s3;
    double spare;
    bool hasSpare;

    public Rng(ulong seed, ulong stream = 0)
    {
        ulong x = seed ^ (stream * 0xD1B54A32D192ED03UL);
        s0 = SplitMix(ref x); s1 = SplitMix(ref x); s2 = SplitMix(ref x); s3 = SplitMix(ref x);
    }

    static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextULong()
    {
        ulong result = ulong.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => (int)((NextULong() >> 33) * (ulong)n >> 31);

    /// <summary>Fisher-Yates from the last element down: a uniformly random order, the same for the same stream.</summary>
    public void Shuffle(Span<int> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>0, 1, ..., n - 1 in a random order (<see cref="Shuffle"/>).</summary>
    public int[] Permutation(int n)
    {
        var order = Identity(n);
        Shuffle(order);
        return order;
    }

    /// <summary>0, 1, ..., n - 1.</summary>
    public static int[] Identity(int n)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        return order;
    }

    public double NextGaussian()
    {
        if (hasSpare) { hasSpare = false; return spare; }
        double u1 = NextDouble(), u2 = NextDouble();
        (double first, spare) = BoxMuller(u1, u2);
        hasSpare = true;
        return first;
    }

    /// <summary>The pair of standard normals Box-Muller makes of two uniforms in [0, 1), by libm's log, cos and sin.</summary>
    public static (double First, double Second) BoxMuller(double u1, double u2)
    {
        double r = Math.Sqrt(-2.0 * Math.Log(1.0 - u1));
        return (r * Math.Cos(2 * Math.PI * u2), r * Math.Sin(2 * Math.PI * u2));
    }
}
