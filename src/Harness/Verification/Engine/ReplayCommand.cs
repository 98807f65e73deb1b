namespace TaskGroups.Verification.Engine;

/// <summary>
/// The command that replays a schedule file, written so that it works when pasted into a shell in
/// any directory: the installed tool by its absolute path, or <c>dotnet run --project</c> with the
/// harness project's absolute path when the harness runs from a repository build (the CLI itself,
/// or a test project next to it).
/// </summary>
public static class ReplayCommand
{
    /// <summary>The tool's command name (Harness.csproj's <c>ToolCommandName</c>).</summary>
    public const string ToolCommandName = "taskgroups-harness";

    private static readonly Lazy<string> s_prefix = new(ComputePrefix);

    /// <summary>How to start the harness from any directory, e.g.
    /// <c>dotnet run --project /repo/src/Harness --</c> or <c>/home/me/.dotnet/tools/taskgroups-harness</c>.</summary>
    public static string Prefix => s_prefix.Value;

    /// <summary>The name help and usage lines show: the tool's name when installed, else the
    /// <c>dotnet run</c> form.</summary>
    public static string DisplayName => IsInstalledTool ? ToolCommandName : Prefix;

    /// <summary>The command that replays <paramref name="schedulePath"/> (made absolute).</summary>
    public static string For(string schedulePath) => $"{Prefix} replay {Quote(Path.GetFullPath(schedulePath))}";

    /// <summary>Quotes <paramref name="argument"/> for a POSIX shell when it needs it.</summary>
    public static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+:=@,".Contains(c))
            ? argument
            : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static bool IsInstalledTool
    {
        get
        {
            string? process = Environment.ProcessPath;
            return (process is not null && Path.GetFileNameWithoutExtension(process) == ToolCommandName)
                || AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}.store{Path.DirectorySeparatorChar}", StringComparison.Ordinal);
        }
    }

    private static string ComputePrefix()
    {
        string? process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process) == ToolCommandName)
        {
            return Quote(process);
        }

        // A repository build: bin/<Configuration>/<tfm>/ below some project of the repository.
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        string? configuration = dir.Parent?.Name;
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TaskGroups.sln")))
        {
            dir = dir.Parent;
        }

        string? project = dir is null ? null : Path.Combine(dir.FullName, "src", "Harness");
        if (project is not null && File.Exists(Path.Combine(project, "Harness.csproj")))
        {
            string config = string.Equals(configuration, "Release", StringComparison.OrdinalIgnoreCase) ? "-c Release " : string.Empty;
            return $"dotnet run {config}--project {Quote(project)} --";
        }

        return ToolCommandName;
    }
}
