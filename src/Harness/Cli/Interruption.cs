namespace TaskGroups.Harness.Cli;

/// <summary>
/// Ctrl-C (SIGINT): the first press asks the running verb to stop after the current schedule, so it
/// can print what it has (the partial table) and restore the terminal; exit code 130 as shells
/// expect. A second press ends the process at once.
/// </summary>
internal static class Interruption
{
    /// <summary>The documented exit code of an interrupted run (128 + SIGINT).</summary>
    public const int ExitCode = 130;

    private static readonly CancellationTokenSource s_source = new();
    private static int s_presses;

    /// <summary>Cancelled by the first Ctrl-C.</summary>
    public static CancellationToken Token => s_source.Token;

    /// <summary>Whether Ctrl-C was pressed.</summary>
    public static bool Requested => s_source.IsCancellationRequested;

    /// <summary>Keeps the SIGINT registration alive for the process's lifetime.</summary>
    private static System.Runtime.InteropServices.PosixSignalRegistration? s_registration;

    /// <summary>Starts listening for Ctrl-C (SIGINT).</summary>
    public static void Install() => s_registration = System.Runtime.InteropServices.PosixSignalRegistration.Create(
        System.Runtime.InteropServices.PosixSignal.SIGINT,
        context =>
        {
            if (Interlocked.Increment(ref s_presses) == 1)
            {
                context.Cancel = true; // keep running: the verb stops after its current schedule and reports
                Console.Error.WriteLine("interrupted: stopping after the current schedule (Ctrl-C again to quit at once)");
                s_source.Cancel();
            }
            else
            {
                Console.Out.Write("\u001b[?25h"); // the cursor, in case a progress display hid it
            }
        });
}
