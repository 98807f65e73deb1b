using FsCheck;
using TaskGroups.Harness.Programs;

namespace TaskGroups.Properties.Programs;

/// <summary>Registers the generator of programs for a feature target (group options, start, shield,
/// cancel reasons) with FsCheck.Xunit (<c>Arbitrary = [typeof(FeatureProgramArbitraries)]</c>).</summary>
public static class FeatureProgramArbitraries
{
    public static Arbitrary<TaskProgram> Programs() => ProgramGenerators.Arbitrary(features: true);
}
