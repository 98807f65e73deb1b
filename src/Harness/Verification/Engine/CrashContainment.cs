using System.Runtime.ExceptionServices;

namespace TaskGroups.Verification.Engine;

/// <summary>
/// Keeps a broken target from killing the process. When Coyote ends a failing schedule it interrupts
/// the controlled threads; if one of them is inside a target's callback at that moment, the
/// <see cref="ThreadInterruptedException"/> (or the <see cref="TaskSchedulerException"/> wrapping it)
/// escapes onto the thread pool, and .NET terminates the process (exit 134): no table, no bug line, and
/// a test host that dies midway. .NET 10's <see cref="ExceptionHandling.SetUnhandledExceptionHandler"/>
/// lets the harness mark such teardown noise handled — the schedule's bug has already been recorded —
/// and record any other exception that escapes while an exploration runs, which the runner then reports
/// instead of dying.
/// </summary>
/// <remarks>Process-wide: installed once, by the first exploration; exceptions outside an exploration
/// are left to the default policy (the process still crashes, as it should).</remarks>
public static class CrashContainment
{
    private static int s_installed;
    private static int s_active;
    private static Exception? s_escaped;

    /// <summary>Installs the handler (idempotent; a no-op if the host installed its own).</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref s_installed, 1) == 0)
        {
            try
            {
                ExceptionHandling.SetUnhandledExceptionHandler(Handle);
            }
            catch (InvalidOperationException)
            {
                // The host set a handler already: leave it in charge.
            }
        }
    }

    /// <summary>Marks an exploration as running until the returned scope is disposed.</summary>
    public static Scope Enter()
    {
        Install();
        Interlocked.Increment(ref s_active);
        return default;
    }

    /// <summary>Takes the first exception that escaped onto a thread-pool thread during explorations
    /// (other than teardown noise), if any.</summary>
    public static Exception? TakeEscaped() => Interlocked.Exchange(ref s_escaped, null);

    /// <summary>Whether <paramref name="e"/> is Coyote interrupting a controlled thread at the end of a schedule.</summary>
    public static bool IsTeardown(Exception e) => e switch
    {
        ThreadInterruptedException => true,
        TaskSchedulerException { InnerException: { } inner } => IsTeardown(inner),
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(IsTeardown),
        _ => false,
    };

    private static bool Handle(Exception e)
    {
        if (IsTeardown(e))
        {
            return true;
        }

        if (Volatile.Read(ref s_active) > 0)
        {
            Interlocked.CompareExchange(ref s_escaped, e, null);
            return true;
        }

        return false;
    }

    /// <summary>An exploration in progress.</summary>
    public readonly struct Scope : IDisposable
    {
        /// <inheritdoc/>
        public void Dispose() => Interlocked.Decrement(ref s_active);
    }
}
