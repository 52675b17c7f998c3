namespace Basin.Data;

/// <summary>
/// A catalog split as loaded (its first <paramref name="N"/> examples): what another process, with its own copy of the
/// files, loads to get the same examples.
/// </summary>
internal sealed record DataSource(string Name, string Split, string? Directory, int? N, bool Normalize = true)
{
    public DataSet Load() => DataCatalog.Load(Name, Split, Directory, N, Normalize);
}
