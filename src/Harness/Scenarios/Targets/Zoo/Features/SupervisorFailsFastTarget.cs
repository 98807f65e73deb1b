namespace TaskGroups.Harness.Targets;

/// <summary>
/// Supervisor mode lost in an options copy: the group is built from a copy of the options that forgets
/// <c>FailFast</c>, so a supervised child's failure still cancels every sibling (what Kotlin's
/// <c>supervisorScope</c> exists to prevent: "a failure of a child does not cause this scope to fail
/// and does not affect its other children").
/// </summary>
internal sealed class SupervisorFailsFastTarget : FeatureVariantTarget
{
    public override string Name => "supervisor-fails-fast";

    public override string Description => "FailFast = false dropped by an options copy: a failure cancels the siblings";

    public override string Source => "https://kotlinlang.org/api/kotlinx.coroutines/kotlinx-coroutines-core/kotlinx.coroutines/supervisor-scope.html";

    public override string Breaks => "feature rule supervise (a failure cancels the siblings)";

    public override Task RunAsync(Func<IFeatureScope, Task> body, TaskGroupOptions options, ITaskGroupListener events, CancellationToken cancellationToken)
    {
        var copy = new TaskGroupOptions { Timeout = options.Timeout, MaxConcurrency = options.MaxConcurrency, TimeProvider = options.TimeProvider };
        return base.RunAsync(body, copy, events, cancellationToken);
    }
}
