namespace TaskGroups.Harness.Cli;

/// <summary>How much a verb prints (<c>--verbosity</c>).</summary>
internal enum Verbosity
{
    /// <summary>Only the bug lines, one summary line, and errors.</summary>
    Quiet,

    /// <summary>A progress display, the results table and the bug lines.</summary>
    Normal,

    /// <summary>As normal, plus each batch's Coyote seed and schedule count as it finishes.</summary>
    Detailed,
}
