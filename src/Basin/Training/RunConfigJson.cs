using System.Text.Json.Serialization;

namespace Basin.Training;

/// <summary>
/// model.json's serializer, generated at build time: every key written, null or not, so that a missing key is an error
/// rather than a default taken silently. Generated rather than reflected, so a command that reads a run JIT-compiles
/// none of it (reflection-based System.Text.Json compiled some 500 methods at each start).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(RunConfig))]
internal sealed partial class RunConfigJson : JsonSerializerContext;
