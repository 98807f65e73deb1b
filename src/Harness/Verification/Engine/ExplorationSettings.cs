namespace TaskGroups.Verification.Engine;

/// <summary>The settings of one exploration.</summary>
/// <param name="Iterations">How many schedules to explore.</param>
/// <param name="Seed">Seed of Coyote's random generator: the same seed explores the same schedules.</param>
/// <param name="Strategy">The scheduling strategy.</param>
/// <param name="MaxSteps">Scheduling-step bound per schedule.</param>
public sealed record ExplorationSettings(int Iterations, uint Seed = 0, SchedulingStrategy Strategy = SchedulingStrategy.Random, uint MaxSteps = 2_000);
