using ILGPU;
using Basin.Devices;

namespace Basin.Cuda.Kernels;

/// <summary>
/// Register-tiled single-precision GEMM: a group of 16 x 16 threads computes a <see cref="Tile"/> x <see cref="Tile"/>
/// tile of C, staging <see cref="Depth"/>-deep slices of A and B in shared memory (each loaded along the array's
/// contiguous axis, so that neighbouring threads read neighbouring floats); each thread keeps a 4 x 4 block of C in
/// registers (rows ty + 16 i, columns tx + 16 j), so every value read from shared memory feeds four FMAs. ILGPU does not
/// unroll loops: the 16 accumulators are written out by hand. Each output sums its k terms in order, so it is the same
/// run to run.
/// </summary>
internal static class GemmKernel
{
    public const int Tile = 64, Depth = 16, Side = 16;

    public static void Run(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmShape s)
    {
        var tileA = SharedMemory.Allocate<float>(Depth * Tile);
        var tileB = SharedMemory.Allocate<float>(Depth * Tile);
        int tx = Group.IdxX, ty = Group.IdxY, t = ty * Side + tx;
        int row0 = Grid.IdxY * Tile, col0 = Grid.IdxX * Tile;
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int k0 = 0; k0 < s.K; k0 += Depth)
        {
            // Each of the 256 threads loads 4 of the slice's 1,024 values of A (Tile rows x Depth) and of B (Depth x Tile).
            for (int l = 0; l < 4; l++)
            {
                int e = t + l * Side * Side;
                int r = s.ARow == 1 ? e % Tile : e / Depth, kk = s.ARow == 1 ? e / Tile : e % Depth;
                int row = row0 + r, ka = k0 + kk;
                tileA[kk * Tile + r] = row < s.M && ka < s.K ? a[(long)row * s.ARow + (long)ka * s.ACol] : 0f;
                int cc = s.BRow == 1 ? e / Depth : e % Tile, kb = s.BRow == 1 ? e % Depth : e / Tile;
                int col = col0 + cc, kB = k0 + kb;
                tileB[kb * Tile + cc] = kB < s.K && col < s.N ? b[(long)kB * s.BRow + (long)col * s.BCol] : 0f;
            }
            Group.Barrier();
            for (int k = 0; k < Depth; k++)
            {
                int ak = k * Tile + ty, bk = k * Tile + tx;
                float a0 = tileA[ak], a1 = tileA[ak + 16], a2 = tileA[ak + 32], a3 = tileA[ak + 48];
                float b0 = tileB[bk], b1 = tileB[bk + 16], b2 = tileB[bk + 32], b3 = tileB[bk + 48];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            Group.Barrier();
        }
        Store(c, s, row0 + ty, col0 + tx, c00, c01, c02, c03);
        Store(c, s, row0 + ty + 16, col0 + tx, c10, c11, c12, c13);
        Store(c, s, row0 + ty + 32, col0 + tx, c20, c21, c22, c23);
        Store(c, s, row0 + ty + 48, col0 + tx, c30, c31, c32, c33);
    }

    /// <summary>A thread's four outputs of one row, at columns col, col + 16, col + 32 and col + 48.</summary>
    static void Store(ArrayView<float> c, GemmShape s, int row, int col, float v0, float v1, float v2, float v3)
    {
        if (row >= s.M) return;
        Store(c, s, row, col, v0);
        Store(c, s, row, col + 16, v1);
        Store(c, s, row, col + 32, v2);
        Store(c, s, row, col + 48, v3);
    }

    static void Store(ArrayView<float> c, GemmShape s, int row, int col, float value)
    {
        if (col >= s.N) return;
        long at = (long)row * s.N + col;
        c[at] = s.Accumulate != 0 ? c[at] + value : value;
    }

    /// <summary>The launch: a group of 16 x 16 threads per tile of C.</summary>
    public static KernelConfig Config(GemmShape s) =>
        new(new Index2D((s.N + Tile - 1) / Tile, (s.M + Tile - 1) / Tile), new Index2D(Side, Side));
}
