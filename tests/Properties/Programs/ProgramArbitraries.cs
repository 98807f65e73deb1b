using FsCheck;
using TaskGroups.Harness.Programs;

namespace TaskGroups.Properties.Programs;

/// <summary>Registers the program generator and shrinker with FsCheck.Xunit (<c>Arbitrary = [typeof(ProgramArbitraries)]</c>).</summary>
public static class ProgramArbitraries
{
    public static Arbitrary<TaskProgram> Programs() => ProgramGenerators.Arbitrary();
}
