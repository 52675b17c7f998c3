using System.Text;
using Basin;
using Basin.Models;
using SharpFuzz;

// One parser of user input under AFL: an input either parses or is refused with a BasinException (exit code 2 in
// the command line); any other exception is a crash for AFL to keep.
string target = args.Length > 0 ? args[0] : "safetensors";
Action<byte[]> parse = target switch
{
    "safetensors" => bytes => SafeTensors.Parse(bytes, "input"),
    "spec" => bytes =>
    {
        string spec = Encoding.UTF8.GetString(bytes);
        foreach (int[] shape in new[] { new[] { 784 }, [1, 28, 28], [3, 32, 32] })
        {
            try { ModelSpec.Build<float>(spec, shape); }
            catch (BasinException) { }
        }
    },
    _ => throw new ArgumentException($"unknown target '{target}': safetensors or spec"),
};
Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    try { parse(copy.ToArray()); }
    catch (BasinException) { }
});
