namespace TaskGroups.Harness.Scenarios;

/// <summary>Something that samples facts just before and after the <see cref="VirtualClock"/> advances
/// (a checked run with a deadline).</summary>
internal interface IClockWatcher
{
    /// <summary>The clock is about to advance to <paramref name="to"/> (virtual time since its start).</summary>
    void BeforeAdvance(TimeSpan to);

    /// <summary>The advance happened: every timer due by then has fired.</summary>
    void AfterAdvance();
}
