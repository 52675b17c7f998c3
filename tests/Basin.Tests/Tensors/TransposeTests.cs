using Basin.Tensors;

namespace Basin.Tests.Tensors;

/// <summary>Transposes against the definition, element by element: whole register blocks, ragged edges, strided rows.</summary>
public class TransposeTests
{
    [Theory]
    [InlineData(16, 16)]
    [InlineData(16, 1024)]
    [InlineData(64, 64)]
    [InlineData(33, 47)]
    [InlineData(8, 9)]
    [InlineData(1, 20)]
    [InlineData(5, 3)]
    public void Every_element_lands_at_its_mirror(int rows, int cols)
    {
        Check<float>(rows, cols);
        Check<double>(rows, cols);
    }

    static unsafe void Check<T>(int rows, int cols) where T : unmanaged, System.Numerics.INumberBase<T>
    {
        // Strides past the widths, with a sentinel in every gap that must survive.
        int lds = cols + 3, ldd = rows + 5;
        var src = new T[rows * lds];
        for (int i = 0; i < src.Length; i++) src[i] = T.CreateTruncating(i + 1);
        var dst = Enumerable.Repeat(T.CreateTruncating(-1), cols * ldd).ToArray();
        fixed (T* s = src, d = dst) Transpose.Matrix(s, rows, cols, lds, d, ldd);
        for (int j = 0; j < cols; j++)
        for (int i = 0; i < ldd; i++)
            Assert.Equal(i < rows ? src[i * lds + j] : T.CreateTruncating(-1), dst[j * ldd + i]);
    }
}
