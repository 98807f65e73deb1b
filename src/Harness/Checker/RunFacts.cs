namespace TaskGroups.Verification;

/// <summary>
/// What a checking wrapper observed about one run by itself — never taken from the group's own
/// events, so that the checker does not certify whatever the implementation says about itself.
/// </summary>
/// <param name="MayFailures">Cancellations that ended a task while the group's token was not
/// cancelled, when another cause cancelled the group meanwhile: the spec's accepted race lets the group
/// absorb them as its own signal, so they may, but need not, be reported.</param>
/// <param name="CallerCancelledWhileCodeRan">The caller's token was cancelled while body or child code
/// was still running (or before the body started): the group cannot have decided its outcome before
/// that, so it must not end successfully.</param>
/// <param name="CancellationCaught">What the group reported as <c>CancellationCaught</c> after
/// completing; null when the target has no such notion.</param>
/// <param name="TokenCancelled">Whether the group's token was cancelled when the run completed.</param>
public sealed record RunFacts(
    IReadOnlyList<Exception> MayFailures,
    bool CallerCancelledWhileCodeRan,
    bool? CancellationCaught,
    bool TokenCancelled)
{
    /// <summary>The group has a deadline (<c>TaskGroupOptions.Timeout</c>) and the virtual clock reached
    /// its earliest possible due time before the run completed: a TimeoutException is allowed.</summary>
    public bool DeadlineMayHaveElapsed { get; init; }

    /// <summary>The virtual clock reached the deadline's latest possible due time while body or child
    /// code still ran and before anything else had cancelled the group's token (no Cancel(), no
    /// CancelAfter racing it): with no failure and no caller cancellation, the run must throw TimeoutException.</summary>
    public bool DeadlineMustTimeOut { get; init; }

    /// <summary>Failures that belong to someone else than the group (a StartAsync child's failure before
    /// <c>started</c> belongs to StartAsync's task): the group must not report them.</summary>
    public IReadOnlyList<Exception> NotGroupFailures { get; init; } = [];
}
