using ILGPU;

namespace Basin.Cuda.Kernels;

/// <summary>
/// C (m x n, row-major) = A B where element (i, k) of A is a[i ARow + k ACol] and (k, j) of B is b[k BRow + j BCol]:
/// one layout for the NN, NT and TN products backward needs. With <see cref="Accumulate"/> set, C += A B.
/// </summary>
internal struct GemmShape
{
    public int M, N, K, ARow, ACol, BRow, BCol, Accumulate;

    /// <summary>A (m x k) times B (k x n), each row-major, or read transposed from a row-major k x m or n x k array.</summary>
    public static GemmShape Of(int m, int n, int k, bool transposeA, bool transposeB, bool accumulate = false) => new()
    {
        M = m, N = n, K = k,
        ARow = transposeA ? 1 : k, ACol = transposeA ? m : 1,
        BRow = transposeB ? 1 : n, BCol = transposeB ? k : 1,
        Accumulate = accumulate ? 1 : 0,
    };
}

/// <summary>
/// Tiled single-precision GEMM: a group of <see cref="Tile"/> x <see cref="Tile"/> threads computes a tile of C, staging
/// tiles of A and B in shared memory. Each output sums its k terms in order, so it is the same run to run.
/// </summary>
internal static class GemmKernel
{
    public const int Tile = 16;

    public static void Run(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmShape s)
    {
        var tileA = SharedMemory.Allocate<float>(Tile * Tile);
        var tileB = SharedMemory.Allocate<float>(Tile * Tile);
        int tx = Group.IdxX, ty = Group.IdxY;
        int col = Grid.IdxX * Tile + tx, row = Grid.IdxY * Tile + ty;
        float sum = 0;
        for (int k0 = 0; k0 < s.K; k0 += Tile)
        {
            int ka = k0 + tx, kb = k0 + ty;
            tileA[ty * Tile + tx] = row < s.M && ka < s.K ? a[(long)row * s.ARow + (long)ka * s.ACol] : 0f;
            tileB[ty * Tile + tx] = kb < s.K && col < s.N ? b[(long)kb * s.BRow + (long)col * s.BCol] : 0f;
            Group.Barrier();
            for (int k = 0; k < Tile; k++) sum += tileA[ty * Tile + k] * tileB[k * Tile + tx];
            Group.Barrier();
        }
        if (row < s.M && col < s.N)
        {
            long at = (long)row * s.N + col;
            c[at] = s.Accumulate != 0 ? c[at] + sum : sum;
        }
    }

    /// <summary>The launch: a group per tile of C.</summary>
    public static KernelConfig Config(GemmShape s) =>
        new(new Index2D((s.N + Tile - 1) / Tile, (s.M + Tile - 1) / Tile), new Index2D(Tile, Tile));
}
