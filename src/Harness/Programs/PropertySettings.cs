namespace TaskGroups.Harness.Programs;

/// <summary>How to check the property "every generated program meets the spec on a target".</summary>
/// <param name="Count">How many programs FsCheck generates (before shrinking).</param>
/// <param name="Seed">FsCheck's seed; also mixed into every program's Coyote seed, so that the same
/// seed reproduces the whole run: the same programs, the same schedules, the same shrinking.</param>
/// <param name="Schedules">Schedules Coyote explores per program (K).</param>
/// <param name="Parallelism">Coyote engines exploring each program's K schedules at once (engine <c>w</c>
/// takes its share with seed <c>seed + w</c>); the seed and the parallelism together reproduce the run.</param>
public sealed record PropertySettings(int Count, uint Seed, int Schedules, int Parallelism = 1);
