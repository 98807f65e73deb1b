namespace TaskGroups.Harness.Programs;

/// <summary>The private timeout a <see cref="TimeoutOp"/> throws: a cancellation named by its failure id.</summary>
public sealed class PlantedTimeoutException(string name, CancellationToken token) : OperationCanceledException(name, token);
