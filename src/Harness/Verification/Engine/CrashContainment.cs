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
/// <remarks>Process-wide: installed once, by the first exploration. Outside an exploration only one
/// kind is still contained: an exception thrown from inside Coyote's own runtime, which is a leftover
/// of a schedule already torn down (uncontrolled work — itself reported as that schedule's bug in strict
/// mode — that outlived its iteration and touched the scheduler's state, e.g. a
/// <see cref="KeyNotFoundException"/> for an operation of a finished iteration). Everything else outside
/// an exploration is left to the default policy (the process still crashes, as it should).</remarks>
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

        return IsFromCoyoteRuntime(e);
    }

    /// <summary>Coyote's runtime and its testing engine (which holds the rewriting types, e.g. its Monitor).</summary>
    private static readonly System.Reflection.Assembly[] s_coyote =
        [typeof(Microsoft.Coyote.Configuration).Assembly, typeof(Microsoft.Coyote.SystematicTesting.TestingEngine).Assembly];

    /// <summary>Whether <paramref name="e"/> was thrown by Coyote's runtime (its innermost frames are in
    /// Coyote's assemblies), as opposed to user code running on a thread Coyote once controlled.</summary>
    private static bool IsFromCoyoteRuntime(Exception e)
    {
        var trace = new System.Diagnostics.StackTrace(e, fNeedFileInfo: false);
        for (int i = 0; i < trace.FrameCount; i++)
        {
            System.Reflection.MethodBase? method = trace.GetFrame(i)?.GetMethod();
            if (method?.DeclaringType?.Assembly is not { } assembly || assembly == typeof(object).Assembly)
            {
                continue; // the collection or runtime code Coyote called into
            }

            return Array.IndexOf(s_coyote, assembly) >= 0;
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
