namespace TaskGroups.Verification.Engine;

/// <summary>What a schedule file replays: it decides which loader can run it again.</summary>
public enum ScheduleKind
{
    /// <summary>A scenario of the harness's corpus on one of its targets.</summary>
    Scenario = 0,

    /// <summary>A generated program (the <c>properties</c> verb) on one of the harness's targets.</summary>
    Program = 1,

    /// <summary>A test method that called <c>Systematic.Verify</c>, identified by its full name.</summary>
    Test = 2,
}
