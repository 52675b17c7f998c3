namespace Basin.Cluster.Messages;

/// <summary>A piece's result, with the seconds the worker spent computing it (the rest of its round trip is the cluster's overhead).</summary>
internal interface IComputed
{
    double Seconds { get; }
}
