namespace Basin.Devices;

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
