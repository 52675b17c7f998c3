using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Basin.Tensors;

/// <summary>
/// Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray 2016, "Fast Algorithms for Convolutional Neural Networks",
/// eq. 8) for a 3x3 convolution at stride 1 with padding 1 on height x width planes: Y = A^T [(G g G^T) . (B^T d B)] A
/// for every 2x2 output tile and its 4x4 input tile d. Summed over input channels, the 16 elementwise products become
/// 16 matrix products M_e = U_e V_e, U_e [outs, K] of transformed weights and V_e [K, tiles] of transformed tiles:
/// 16 multiplies a tile per channel pair where the direct convolution makes 36. Tiles that run past an odd edge read
/// zeros and write only their inside.
/// </summary>
internal readonly struct Winograd(int height, int width)
{
    public readonly int Height = height, Width = width, TileRows = (height + 1) / 2, TileColumns = (width + 1) / 2;

    public int Tiles => TileRows * TileColumns;

    /// <summary>Extra columns a transformed row needs past its tiles: a vector step may run over the end.</summary>
    public static int Slack<T>() where T : unmanaged => Vector512<T>.Count;

    /// <summary>Row stride of a zero-padded plane whose vector steps (2 lanes of tiles, 2 columns each) may run past the edge.</summary>
    int PlaneStride<T>() where T : unmanaged => 2 * TileColumns + 2 * Vector512<T>.Count + 2;

    /// <summary>
    /// y = the convolution of count images of k channels by the transformed weights u (outs rows of k), plus the bias
    /// when there is one: the images' tiles side by side in each of the 16 products. Each output sums its k channels in
    /// the same order whatever the count, so the same bits. Where AVX-512 runs, the transforms go a vector of tiles at a
    /// time, else (or asked, scalar: the tests compare the two) tile by tile, in the same order.
    /// </summary>
    public void Convolve<T>(ReadOnlySpan<T> u, int outs, int k, ReadOnlySpan<T> x, Span<T> y, int count, ReadOnlySpan<T> bias, bool scalar = false)
        where T : unmanaged, IFloatingPointIeee754<T> => Convolve(u, outs, x, k, [], 0, y, count, bias, scalar);

    /// <summary>
    /// y = the convolution of two inputs' channels stacked (x's k, then second's k2) by u (outs rows of k + k2): the sum
    /// of two convolutions, such as an R-pass's W rx + V x, in one product over k + k2.
    /// </summary>
    public void Convolve<T>(ReadOnlySpan<T> u, int outs, ReadOnlySpan<T> x, int k, ReadOnlySpan<T> second, int k2, Span<T> y, int count,
        ReadOnlySpan<T> bias, bool scalar = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = count * Tiles, ld = Gemm.LeadingDimension<T>(n + Slack<T>()), rows = k + k2;
        var v = ThreadBuffers<T>.Columns(16 * rows * ld);
        var m = ThreadBuffers<T>.Products(16 * outs * ld);
        TransformInput(x, k, count, v, ld, rows * ld, 0, scalar);
        if (k2 > 0) TransformInput(second, k2, count, v, ld, rows * ld, k, scalar);
        for (int e = 0; e < 16; e++)
            Gemm.Multiply(false, false, outs, n, rows, u.Slice(e * outs * rows, outs * rows), rows, v.Slice(e * rows * ld, rows * ld), ld,
                m.Slice(e * outs * ld, outs * ld), ld, false);
        TransformOutput(m, outs, count, ld, outs * ld, y, bias, scalar);
    }

    /// <summary>
    /// U_e [outs, ldu] from the weights w [Out, In, 3, 3], for e = 0..15 at <paramref name="eStride"/> apart, into the
    /// columns from <paramref name="offset"/> on: U_e[o, c] = (G W[o, c] G^T)_e with G = [1 0 0; 1/2 1/2 1/2;
    /// 1/2 -1/2 1/2; 0 0 1]. The adjoint (the input gradient, a convolution of dy by the kernels turned half a turn with
    /// in and out swapped) writes U_e[c, o] of W[o, c] rotated by 180 degrees.
    /// </summary>
    public static void TransformWeights<T>(ReadOnlySpan<T> w, int outs, int ins, bool adjoint, Span<T> u, int ldu, int eStride, int offset)
        where T : unmanaged, INumberBase<T>
    {
        T half = T.One / (T.One + T.One);
        Span<T> g = stackalloc T[9];
        Span<T> q = stackalloc T[12];
        for (int o = 0; o < outs; o++)
        for (int c = 0; c < ins; c++)
        {
            var kernel = w.Slice((o * ins + c) * 9, 9);
            for (int t = 0; t < 9; t++) g[t] = adjoint ? kernel[8 - t] : kernel[t];
            // q = G g (4 x 3), then U = q G^T (4 x 4).
            for (int s = 0; s < 3; s++)
            {
                q[s] = g[s];
                q[3 + s] = (g[s] + g[3 + s] + g[6 + s]) * half;
                q[6 + s] = (g[s] - g[3 + s] + g[6 + s]) * half;
                q[9 + s] = g[6 + s];
            }
            int at = adjoint ? c * ldu + offset + o : o * ldu + offset + c;
            for (int r = 0; r < 4; r++)
            {
                T q0 = q[3 * r], q1 = q[3 * r + 1], q2 = q[3 * r + 2];
                u[(4 * r) * eStride + at] = q0;
                u[(4 * r + 1) * eStride + at] = (q0 + q1 + q2) * half;
                u[(4 * r + 2) * eStride + at] = (q0 - q1 + q2) * half;
                u[(4 * r + 3) * eStride + at] = q2;
            }
        }
    }

    /// <summary>
    /// V_e[rowOffset + c, g * Tiles + tile] = (B^T d B)_e of every 4x4 input tile d of channel c of image g, with
    /// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]; images [count, channels, height, width], V_e at eStride apart, rows
    /// ldv apart (ldv at least count * Tiles + Slack). Each plane is copied into a zero-padded one whose rows a vector step
    /// splits into even and odd columns: a step transforms a lane's worth of a tile row's tiles.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void TransformInput<T>(ReadOnlySpan<T> images, int channels, int count, Span<T> v, int ldv, int eStride, int rowOffset, bool scalar = false)
        where T : unmanaged, INumberBase<T>
    {
        int rows = 2 * TileRows + 2, ps = PlaneStride<T>(), plane = Height * Width, tiles = Tiles;
        if (v.Length < 15L * eStride + (rowOffset + channels - 1L) * ldv + count * tiles + Slack<T>()) throw new ArgumentException("V is too small");
        // Only the inside is ever written, so the border stays zero: the convolution's padding.
        var padded = ThreadBuffers<T>.Planes(rows * ps);
        padded.Clear();
        ref T p0 = ref MemoryMarshal.GetReference(padded);
        ref T v0 = ref MemoryMarshal.GetReference(v);
        bool vectorized = Strided.CanSplit<T>() && !scalar;
        var (rowStep, columnStep, stacked) = Steps<T>(vectorized);
        for (int c = 0; c < channels; c++)
        for (int g = 0; g < count; g++)
        {
            var x = images.Slice((g * channels + c) * plane, plane);
            ref T x0 = ref MemoryMarshal.GetReference(x);
            for (int ih = 0; ih < Height; ih++) CopyRow(ref Unsafe.Add(ref x0, ih * Width), ref Unsafe.Add(ref p0, (ih + 1) * ps + 1), Width);
            // A vector step past a tile row's end writes the next row's first tiles, which that row's step then overwrites.
            ref T row = ref Unsafe.Add(ref v0, (rowOffset + c) * ldv + g * tiles);
            for (int i = 0; i < TileRows; i += rowStep)
            for (int j = 0; j < TileColumns; j += columnStep)
                if (vectorized) InputTiles(ref Unsafe.Add(ref p0, 2 * i * ps + 2 * j), ps, stacked, ref Unsafe.Add(ref row, i * TileColumns + j), eStride);
                else InputTile(ref Unsafe.Add(ref p0, 2 * i * ps + 2 * j), ps, ref Unsafe.Add(ref row, i * TileColumns + j), eStride);
        }
    }

    /// <summary>
    /// Tile rows a vector step covers: one (a lane's worth of a row's tiles) unless a row has fewer tiles than a vector has
    /// lanes, dividing them, and the rows come out even: then 2 or 4 rows' tiles, which lie side by side in V, fill the
    /// lanes (8x8 and 16x16 planes would otherwise waste three quarters and half of every step).
    /// </summary>
    int StackedRows<T>() where T : unmanaged
    {
        int lanes = Vector512<T>.Count;
        int rows = TileColumns < lanes && lanes % TileColumns == 0 ? lanes / TileColumns : 1;
        return rows is 2 or 4 && TileRows % rows == 0 ? rows : 1;
    }

    /// <summary>
    /// How the transforms walk the tiles: a vector step takes <see cref="StackedRows{T}"/> whole tile rows, or a lane's
    /// worth of one row's tiles; element by element, one tile a step.
    /// </summary>
    (int Rows, int Columns, int Stacked) Steps<T>(bool vectorized) where T : unmanaged
    {
        if (!vectorized) return (1, 1, 1);
        int stacked = StackedRows<T>();
        return (stacked, stacked > 1 ? TileColumns : Vector512<T>.Count, stacked);
    }

    /// <summary>
    /// Padded row 'at' of a vector step's tiles as two vectors whose even and odd lanes (<see cref="Strided.Split"/>) are
    /// its tiles' columns 0 and 1: one row's next 2 x lanes values, or (stacked tile rows, two padded rows apart) a lane's
    /// worth from each of two rows, or half a lane's worth from each of four.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (Vector512<T> Low, Vector512<T> High) Columns<T>(ref T p, int at, int ps, int stacked) where T : unmanaged
    {
        int lanes = Vector512<T>.Count;
        if (stacked == 1) return (Vector512.LoadUnsafe(ref p, (nuint)at), Vector512.LoadUnsafe(ref p, (nuint)(at + lanes)));
        if (stacked == 2) return (Vector512.LoadUnsafe(ref p, (nuint)at), Vector512.LoadUnsafe(ref p, (nuint)(at + 2 * ps)));
        return (Vector512.Create(Vector256.LoadUnsafe(ref p, (nuint)at), Vector256.LoadUnsafe(ref p, (nuint)(at + 2 * ps))),
            Vector512.Create(Vector256.LoadUnsafe(ref p, (nuint)(at + 4 * ps)), Vector256.LoadUnsafe(ref p, (nuint)(at + 6 * ps))));
    }

    /// <summary>A vector step's tiles: d B row by row (columns 0..3 are the even and odd lanes of two splits), then B^T (d B).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void InputTiles<T>(ref T p, int ps, int stacked, ref T v, int eStride) where T : unmanaged, INumberBase<T>
    {
        RowTimesB(ref p, 0, ps, stacked, out var h00, out var h01, out var h02, out var h03);
        RowTimesB(ref p, ps, ps, stacked, out var h10, out var h11, out var h12, out var h13);
        RowTimesB(ref p, 2 * ps, ps, stacked, out var h20, out var h21, out var h22, out var h23);
        RowTimesB(ref p, 3 * ps, ps, stacked, out var h30, out var h31, out var h32, out var h33);
        StoreBTransposedTimes(ref v, eStride, 0, h00, h10, h20, h30);
        StoreBTransposedTimes(ref v, eStride, 1, h01, h11, h21, h31);
        StoreBTransposedTimes(ref v, eStride, 2, h02, h12, h22, h32);
        StoreBTransposedTimes(ref v, eStride, 3, h03, h13, h23, h33);
    }

    /// <summary>Row r of d B for a vector step's tiles: the row's columns 0..3 are the even and odd lanes of two splits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void RowTimesB<T>(ref T p, int row, int ps, int stacked, out Vector512<T> h0, out Vector512<T> h1, out Vector512<T> h2, out Vector512<T> h3)
        where T : unmanaged, INumberBase<T>
    {
        var (low, high) = Columns(ref p, row, ps, stacked);
        var (x0, x1) = Strided.Split(low, high);
        (low, high) = Columns(ref p, row + 2, ps, stacked);
        var (x2, x3) = Strided.Split(low, high);
        h0 = x0 - x2;
        h1 = x1 + x2;
        h2 = x2 - x1;
        h3 = x1 - x3;
    }

    /// <summary>Column s of B^T (d B) from its rows d0..d3: V_s, V_4+s, V_8+s, V_12+s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreBTransposedTimes<T>(ref T v, int eStride, int s, Vector512<T> d0, Vector512<T> d1, Vector512<T> d2, Vector512<T> d3)
        where T : unmanaged, INumberBase<T>
    {
        (d0 - d2).StoreUnsafe(ref v, (nuint)(s * eStride));
        (d1 + d2).StoreUnsafe(ref v, (nuint)((4 + s) * eStride));
        (d2 - d1).StoreUnsafe(ref v, (nuint)((8 + s) * eStride));
        (d1 - d3).StoreUnsafe(ref v, (nuint)((12 + s) * eStride));
    }

    /// <summary>One tile, element by element, in the same order as <see cref="InputTiles{T}"/>.</summary>
    static void InputTile<T>(ref T p, int ps, ref T v, int eStride) where T : unmanaged, INumberBase<T>
    {
        Span<T> h = stackalloc T[16];
        for (int r = 0; r < 4; r++)
        {
            T x0 = Unsafe.Add(ref p, r * ps), x1 = Unsafe.Add(ref p, r * ps + 1), x2 = Unsafe.Add(ref p, r * ps + 2), x3 = Unsafe.Add(ref p, r * ps + 3);
            h[4 * r] = x0 - x2;
            h[4 * r + 1] = x1 + x2;
            h[4 * r + 2] = x2 - x1;
            h[4 * r + 3] = x1 - x3;
        }
        for (int s = 0; s < 4; s++)
        {
            Unsafe.Add(ref v, s * eStride) = h[s] - h[8 + s];
            Unsafe.Add(ref v, (4 + s) * eStride) = h[4 + s] + h[8 + s];
            Unsafe.Add(ref v, (8 + s) * eStride) = h[8 + s] - h[4 + s];
            Unsafe.Add(ref v, (12 + s) * eStride) = h[4 + s] - h[12 + s];
        }
    }

    /// <summary>
    /// y [count, outs, height, width] = A^T M A of every tile, with A^T = [1 1 1 0; 0 1 -1 -1], plus the bias when there is
    /// one: M_e [outs, ldm] at eStride apart, tile g * Tiles + t in column g * Tiles + t (ldm at least count * Tiles + Slack).
    /// A plane's rows are written whole into a padded plane (a step's last tiles may lie past the edge), then copied out.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void TransformOutput<T>(ReadOnlySpan<T> m, int outs, int count, int ldm, int eStride, Span<T> y, ReadOnlySpan<T> bias, bool scalar = false)
        where T : unmanaged, INumberBase<T>
    {
        int plane = Height * Width, tiles = Tiles, ps = PlaneStride<T>();
        if (y.Length < count * outs * plane || m.Length < 15L * eStride + (outs - 1L) * ldm + count * tiles + Slack<T>()) throw new ArgumentException("M or y is too small");
        var padded = ThreadBuffers<T>.Planes(2 * TileRows * ps);
        ref T m0 = ref MemoryMarshal.GetReference(m);
        ref T q0 = ref MemoryMarshal.GetReference(padded);
        bool vectorized = Strided.CanSplit<T>() && !scalar;
        var (rowStep, columnStep, stacked) = Steps<T>(vectorized);
        for (int g = 0; g < count; g++)
        for (int o = 0; o < outs; o++)
        {
            T b = bias.IsEmpty ? T.Zero : bias[o];
            var vb = Vector512.Create(b);
            ref T row = ref Unsafe.Add(ref m0, o * ldm + g * tiles);
            for (int i = 0; i < TileRows; i += rowStep)
            for (int j = 0; j < TileColumns; j += columnStep)
                if (vectorized) OutputTiles(ref Unsafe.Add(ref row, i * TileColumns + j), eStride, vb, ref Unsafe.Add(ref q0, 2 * i * ps + 2 * j), ps, stacked);
                else OutputTile(ref Unsafe.Add(ref row, i * TileColumns + j), eStride, b, ref Unsafe.Add(ref q0, 2 * i * ps + 2 * j), ps);
            ref T yo = ref MemoryMarshal.GetReference(y.Slice((g * outs + o) * plane, plane));
            for (int oh = 0; oh < Height; oh++) CopyRow(ref Unsafe.Add(ref q0, oh * ps), ref Unsafe.Add(ref yo, oh * Width), Width);
        }
    }

    /// <summary>A vector step's tiles: A^T M row by row, then its two columns, interleaved into two output rows of each tile row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void OutputTiles<T>(ref T t, int eStride, Vector512<T> bias, ref T q, int ps, int stacked) where T : unmanaged, INumberBase<T>
    {
        var m0 = Vector512.LoadUnsafe(ref t, (nuint)(0 * eStride));
        var m1 = Vector512.LoadUnsafe(ref t, (nuint)(1 * eStride));
        var m2 = Vector512.LoadUnsafe(ref t, (nuint)(2 * eStride));
        var m3 = Vector512.LoadUnsafe(ref t, (nuint)(3 * eStride));
        var m4 = Vector512.LoadUnsafe(ref t, (nuint)(4 * eStride));
        var m5 = Vector512.LoadUnsafe(ref t, (nuint)(5 * eStride));
        var m6 = Vector512.LoadUnsafe(ref t, (nuint)(6 * eStride));
        var m7 = Vector512.LoadUnsafe(ref t, (nuint)(7 * eStride));
        var m8 = Vector512.LoadUnsafe(ref t, (nuint)(8 * eStride));
        var m9 = Vector512.LoadUnsafe(ref t, (nuint)(9 * eStride));
        var m10 = Vector512.LoadUnsafe(ref t, (nuint)(10 * eStride));
        var m11 = Vector512.LoadUnsafe(ref t, (nuint)(11 * eStride));
        var m12 = Vector512.LoadUnsafe(ref t, (nuint)(12 * eStride));
        var m13 = Vector512.LoadUnsafe(ref t, (nuint)(13 * eStride));
        var m14 = Vector512.LoadUnsafe(ref t, (nuint)(14 * eStride));
        var m15 = Vector512.LoadUnsafe(ref t, (nuint)(15 * eStride));
        Vector512<T> u0 = m0 + m4 + m8, u1 = m1 + m5 + m9, u2 = m2 + m6 + m10, u3 = m3 + m7 + m11;
        var (lo, hi) = Strided.Interleave(u0 + u1 + u2 + bias, u1 - u2 - u3 + bias);
        StoreColumns(ref q, 0, ps, stacked, lo, hi);
        u0 = m4 - m8 - m12; u1 = m5 - m9 - m13; u2 = m6 - m10 - m14; u3 = m7 - m11 - m15;
        (lo, hi) = Strided.Interleave(u0 + u1 + u2 + bias, u1 - u2 - u3 + bias);
        StoreColumns(ref q, ps, ps, stacked, lo, hi);
    }

    /// <summary>The inverse of <see cref="Columns{T}"/>: an output row's interleaved values into the padded plane at 'at'.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreColumns<T>(ref T q, int at, int ps, int stacked, Vector512<T> low, Vector512<T> high) where T : unmanaged
    {
        if (stacked == 1)
        {
            low.StoreUnsafe(ref q, (nuint)at);
            high.StoreUnsafe(ref q, (nuint)(at + Vector512<T>.Count));
        }
        else if (stacked == 2)
        {
            low.StoreUnsafe(ref q, (nuint)at);
            high.StoreUnsafe(ref q, (nuint)(at + 2 * ps));
        }
        else
        {
            low.GetLower().StoreUnsafe(ref q, (nuint)at);
            low.GetUpper().StoreUnsafe(ref q, (nuint)(at + 2 * ps));
            high.GetLower().StoreUnsafe(ref q, (nuint)(at + 4 * ps));
            high.GetUpper().StoreUnsafe(ref q, (nuint)(at + 6 * ps));
        }
    }

    /// <summary>d[0, n) = s[0, n): a plane row, inline (a library copy's call costs as much as a 32-value row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void CopyRow<T>(ref T s, ref T d, int n)
    {
        int i = 0;
        for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count) Vector512.LoadUnsafe(ref s, (nuint)i).StoreUnsafe(ref d, (nuint)i);
        if (i <= n - Vector256<T>.Count)
        {
            Vector256.LoadUnsafe(ref s, (nuint)i).StoreUnsafe(ref d, (nuint)i);
            i += Vector256<T>.Count;
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i);
    }

    /// <summary>One tile, element by element, in the same order as <see cref="OutputTiles{T}"/>.</summary>
    static void OutputTile<T>(ref T t, int eStride, T bias, ref T q, int ps) where T : unmanaged, INumberBase<T>
    {
        Span<T> m = stackalloc T[16];
        for (int e = 0; e < 16; e++) m[e] = Unsafe.Add(ref t, e * eStride);
        for (int a = 0; a < 2; a++)
        {
            T u0 = a == 0 ? m[0] + m[4] + m[8] : m[4] - m[8] - m[12];
            T u1 = a == 0 ? m[1] + m[5] + m[9] : m[5] - m[9] - m[13];
            T u2 = a == 0 ? m[2] + m[6] + m[10] : m[6] - m[10] - m[14];
            T u3 = a == 0 ? m[3] + m[7] + m[11] : m[7] - m[11] - m[15];
            Unsafe.Add(ref q, a * ps) = u0 + u1 + u2 + bias;
            Unsafe.Add(ref q, a * ps + 1) = u1 - u2 - u3 + bias;
        }
    }
}
