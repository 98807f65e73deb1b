namespace TaskGroups.Harness.Programs;

/// <summary>Throw the planted failure <c>f</c><paramref name="Failure"/>.</summary>
public sealed record ThrowOp(int Failure) : Op;
