using System.Diagnostics;

namespace TaskGroups.Testing;

/// <summary>What one run of the harness CLI printed and returned.</summary>
internal sealed record CliResult(int Code, string Out, string Err)
{
    public string[] Lines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {Code}\nstdout:\n{Out}\nstderr:\n{Err}";
}

/// <summary>
/// Runs the built harness CLI (src/Harness, same configuration as the running tests) in its own
/// process, as a user runs it. Shared by the CLI tests of tests/Systematic and tests/Properties
/// (linked into both), whose projects build the CLI first.
/// </summary>
internal static class HarnessCli
{
    public static string Configuration => new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TaskGroups.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }

    public static string Directory => Path.Combine(RepositoryRoot, "src", "Harness", "bin", Configuration, "net10.0");

    /// <summary>Runs the CLI with <paramref name="args"/>.</summary>
    public static CliResult Run(params string[] args) => RunDll(Path.Combine(Directory, "Harness.dll"), args);

    /// <summary>Runs a copy of the CLI at <paramref name="dll"/>.</summary>
    public static CliResult RunDll(string dll, params string[] args) => Start(Prepare(dll, RepositoryRoot, args));

    /// <summary>Runs the CLI in <paramref name="directory"/> with extra environment variables.</summary>
    public static CliResult RunIn(string directory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        ProcessStartInfo info = Prepare(Path.Combine(Directory, "Harness.dll"), directory, args);
        foreach ((string name, string value) in environment)
        {
            info.Environment[name] = value;
        }

        return Start(info);
    }

    /// <summary>Runs <paramref name="command"/> with <c>bash -c</c> in <paramref name="directory"/>,
    /// as a user pastes a printed command.</summary>
    public static CliResult RunShell(string directory, string command)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        return Start(info);
    }

    private static ProcessStartInfo Prepare(string dll, string directory, string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        info.ArgumentList.Add(dll);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    /// <summary>Starts <paramref name="info"/> and waits for it.</summary>
    public static CliResult Start(ProcessStartInfo info)
    {
        using Process p = Process.Start(info)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{info.FileName} {string.Join(' ', info.ArgumentList)} did not finish in 10 minutes");
        }

        return new CliResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}
