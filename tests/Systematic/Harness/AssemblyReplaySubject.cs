using TaskGroups.Systematic.Infrastructure;
using TaskGroups.Verification;

namespace TaskGroups.Systematic.Harness;

/// <summary>
/// Not a test class: a user's test method, as the CLI's <c>replay FILE --assembly PATH</c> finds it by
/// the full name its schedule records. <see cref="AssemblyReplayCliTests"/> calls it to record a
/// schedule (a lost update), then replays that schedule through the CLI from this assembly.
/// </summary>
public sealed class AssemblyReplaySubject
{
    /// <summary>Where the schedule goes when the tests call <see cref="LostUpdate"/> (unused by the CLI,
    /// whose call is captured before any exploration).</summary>
    public static string OutputDirectory { get; set; } = Path.GetTempPath();

    public void LostUpdate() => TaskGroups.Verification.Systematic.Verify(async () =>
    {
        int counter = await LostUpdateRace.CountAsync();
        if (counter != 2)
        {
            throw new InvalidOperationException($"lost update: counter is {counter}");
        }
    }, new SystematicOptions { Schedules = 300, Seed = 11, OutputDirectory = OutputDirectory, Parallelism = 1 });
}
