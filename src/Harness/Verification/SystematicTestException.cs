namespace TaskGroups.Verification;

/// <summary>
/// Thrown by <see cref="Systematic.Verify"/> when a schedule fails. The message starts with three
/// lines: <c>bug: …</c>, <c>schedule: &lt;absolute path&gt;</c> and <c>replay: &lt;command&gt;</c>.
/// </summary>
public sealed class SystematicTestException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SystematicTestException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SystematicTestException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public SystematicTestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The bug line (after <c>bug: </c>).</summary>
    public string? Bug { get; init; }

    /// <summary>The schedule file's absolute path, when one was written.</summary>
    public string? SchedulePath { get; init; }
}
