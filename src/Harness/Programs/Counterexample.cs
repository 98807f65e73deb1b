namespace TaskGroups.Harness.Programs;

/// <summary>A shrunk counterexample.</summary>
/// <param name="Original">The first failing program FsCheck generated.</param>
/// <param name="Shrunk">The last failing program shrinking reached, with its exploration.</param>
/// <param name="ShrinkSteps">How many smaller failing programs shrinking went through.</param>
public sealed record Counterexample(TaskProgram Original, ProgramOutcome Shrunk, int ShrinkSteps);
