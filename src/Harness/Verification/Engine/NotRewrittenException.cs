namespace TaskGroups.Verification.Engine;

/// <summary>Thrown when Coyote would run on assemblies that were not rewritten: such a run reports
/// nonsense (false deadlocks, replays that reproduce a different bug), so it must not start.</summary>
public sealed class NotRewrittenException(string assemblyName)
    : InvalidOperationException($"assembly '{assemblyName}' was not rewritten for Coyote: build with 'dotnet build' (the build rewrites it) and run the rewritten output, not a copy of it");
