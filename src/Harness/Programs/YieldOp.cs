namespace TaskGroups.Harness.Programs;

/// <summary><c>await Task.Yield()</c>, then throw the token's cancellation if it is cancelled (a cancellation point).</summary>
public sealed record YieldOp : Op;
