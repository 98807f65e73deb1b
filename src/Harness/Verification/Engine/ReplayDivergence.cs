using System.Reflection;
using Microsoft.Coyote.SystematicTesting;

namespace TaskGroups.Verification.Engine;

/// <summary>
/// Tells whether a replay followed its recorded schedule. Coyote 1.7.11 replays a trace as a prefix:
/// when the code asks for a choice the trace does not have, or the trace runs out, it carries on with
/// its ordinary strategy and reports no error, so a damaged or outdated schedule would look like a
/// fixed bug. Coyote exposes the executed steps only internally (<c>OperationScheduler.Trace</c>, and
/// <c>GetLastError()</c>); they are read by reflection, which is safe because the Coyote version is
/// pinned (1.7.11 is its last release) and checked by the engine's tests (a cut or altered schedule
/// must be reported as diverged, an intact one must not).
/// </summary>
internal static class ReplayDivergence
{
    private const BindingFlags Any = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;

    /// <summary>A snapshot of the steps the scheduler executed. An operation of the finished schedule
    /// that is still being torn down may append to the list while it is copied ("Collection was
    /// modified"); the copy is then retried.</summary>
    private static string[] ExecutedSteps(object? scheduler)
    {
        if (scheduler?.GetType().GetField("Trace", Any)?.GetValue(scheduler) is not System.Collections.IEnumerable trace)
        {
            return [];
        }

        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return [.. trace.Cast<object>().Select(s => s.ToString() ?? string.Empty)];
            }
            catch (InvalidOperationException) when (attempt < 20)
            {
                Thread.Sleep(5);
            }
        }
    }

    public static (int? Step, string? Detail) Of(TestingEngine engine, string[] recorded, ExplorationResult result)
    {
        object? scheduler = typeof(TestingEngine).GetProperty("Scheduler", Any)?.GetValue(engine);
        string? error = scheduler?.GetType().GetMethod("GetLastError", Any, Type.EmptyTypes)?.Invoke(scheduler, null) as string;
        string[] executed = ExecutedSteps(scheduler);

        // A bug's trace is the authoritative record of what ran when Coyote produced one.
        if (!string.IsNullOrEmpty(result.ReproducibleTrace)
            && System.Text.Json.Nodes.JsonNode.Parse(result.ReproducibleTrace)?["Steps"] is System.Text.Json.Nodes.JsonArray steps)
        {
            executed = [.. steps.Select(s => s?.GetValue<string>() ?? string.Empty)];
        }

        int common = Math.Min(executed.Length, recorded.Length);
        for (int i = 0; i < common; i++)
        {
            if (!string.Equals(Normalize(executed[i]), Normalize(recorded[i]), StringComparison.Ordinal))
            {
                return (i, $"the code took '{executed[i]}' where the schedule recorded '{recorded[i]}'");
            }
        }

        if (executed.Length < recorded.Length)
        {
            return (executed.Length, $"the run ended with {recorded.Length - executed.Length} recorded step(s) left over");
        }

        if (executed.Length > recorded.Length)
        {
            return (recorded.Length, "the run needed more choices than the schedule recorded");
        }

        return string.IsNullOrEmpty(error) ? (null, null) : (executed.Length, error);
    }

    private static string Normalize(string step) => step.Replace(" ", string.Empty, StringComparison.Ordinal);
}
