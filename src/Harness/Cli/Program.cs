using System.CommandLine;
using System.CommandLine.Help;
using TaskGroups.Harness.Cli;
using TaskGroups.Verification.Engine;

namespace TaskGroups.Harness;

/// <summary>
/// <c>dotnet run --project src/Harness -- &lt;verb&gt;</c> or, installed, <c>taskgroups-harness &lt;verb&gt;</c>.
/// Exit codes: 0 no bug, 1 bug found or reproduced, 2 bad usage or bad input (one-line error, no
/// stack dump; a corrupt schedule file), 3 the harness itself failed, 4 a replay diverged from its
/// schedule (the code changed since it was recorded), 130 interrupted by Ctrl-C.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        Interruption.Install();
        RootCommand root = Commands.Create();
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"error: {ParseErrors.Describe(parsed)}");
            return ExitCodes.BadInput;
        }

        try
        {
            if (parsed.Action is HelpAction)
            {
                return WriteHelp(parsed);
            }

            ValidateEnvironment();
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (Exception e) when (e is UsageException or ScheduleFileException or NotRewrittenException or TestLoadException)
        {
            // Bad usage, a schedule file that cannot be used, or un-rewritten assemblies: the user's to fix.
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error: the harness failed: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            return ExitCodes.HarnessFailure;
        }
    }

    /// <summary>Environment variables the verbs read are checked before any work, like options.</summary>
    private static void ValidateEnvironment()
    {
        string? schedules = Environment.GetEnvironmentVariable(Schedules.EnvironmentVariable);
        if (!string.IsNullOrEmpty(schedules) && !(int.TryParse(schedules, out int n) && n > 0))
        {
            throw new UsageException($"{Schedules.EnvironmentVariable} must be a whole number of at least 1, not '{schedules}'");
        }
    }

    /// <summary>The parser's help, with the real command name in the usage lines (not the assembly's
    /// name) and the exit codes at the end.</summary>
    private static int WriteHelp(ParseResult parsed)
    {
        using var help = new StringWriter();
        _ = parsed.Invoke(new InvocationConfiguration { Output = help });
        string name = ReplayCommand.DisplayName;
        var text = new System.Text.StringBuilder();
        bool usage = false;
        foreach (string line in help.ToString().ReplaceLineEndings("\n").Split('\n'))
        {
            usage = line == "Usage:" || (usage && line.StartsWith("  ", StringComparison.Ordinal));
            text.Append(usage && line.StartsWith("  Harness", StringComparison.Ordinal) ? "  " + name + line["  Harness".Length..] : line).Append('\n');
        }

        Console.Out.Write(text.ToString().TrimEnd('\n'));
        Console.Out.WriteLine();
        Console.Out.WriteLine();
        Console.Out.WriteLine("Exit codes:");
        Console.Out.WriteLine($"  {ExitCodes.NoBug}    no bug found (or the replayed schedule did not reproduce one)");
        Console.Out.WriteLine($"  {ExitCodes.Bug}    a bug was found, or the replay reproduced it");
        Console.Out.WriteLine($"  {ExitCodes.BadInput}    bad usage or bad input (one line on stderr): unknown verb, option, target or scenario, a bad number, a bad file");
        Console.Out.WriteLine($"  {ExitCodes.HarnessFailure}    the harness itself failed");
        Console.Out.WriteLine($"  {ExitCodes.Diverged}    a replay diverged from its schedule: the code changed since it was recorded");
        Console.Out.WriteLine($"  {Interruption.ExitCode}  interrupted by Ctrl-C (the partial results are printed)");
        return ExitCodes.NoBug;
    }
}
