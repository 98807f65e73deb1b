using System.CommandLine;
using TaskGroups.Harness.Cli;
using TaskGroups.Verification.Engine;

namespace TaskGroups.Harness;

/// <summary>
/// <c>dotnet run --project src/Harness -- &lt;verb&gt;</c>. Exit codes: 0 no bug, 1 bug found or
/// reproduced, 2 bad usage or bad input (one-line error, no stack dump), 3 the harness itself failed.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        RootCommand root = Commands.Create();
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"error: {string.Join("; ", parsed.Errors.Select(e => e.Message))} (see --help)");
            return ExitCodes.BadInput;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is UsageException or ScheduleFileException or NotRewrittenException)
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
}
