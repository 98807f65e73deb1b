using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TaskGroups.Verification.Engine;

/// <summary>
/// A failing schedule on disk: which target and scenario (or generated program) failed, the bug it
/// produced, and Coyote's reproducible trace of the schedule, which replays it exactly.
/// </summary>
/// <param name="Target">Target name.</param>
/// <param name="Scenario">Scenario name (<c>program</c> for a generated program).</param>
/// <param name="Bug">The bug line, as explore printed it.</param>
/// <param name="Seed">The Coyote seed of the batch that found it.</param>
/// <param name="Strategy">The strategy that found it.</param>
/// <param name="CoyoteTrace">Coyote's reproducible trace (JSON).</param>
/// <param name="Program">For generated programs: the program, in the harness's text form.</param>
public sealed partial record ScheduleFile(
    string Target,
    string Scenario,
    string Bug,
    uint Seed,
    SchedulingStrategy Strategy,
    string CoyoteTrace,
    string? Program = null)
{
    /// <summary>What the schedule replays.</summary>
    public ScheduleKind Kind => Program is null ? ScheduleKind.Scenario : ScheduleKind.Program;

    /// <summary>The value of the <c>format</c> field that marks a file as ours.</summary>
    public const string Format = "taskgroups-harness-trace";

    /// <summary>The version of the layout this harness writes and reads.</summary>
    public const int Version = 1;

    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    /// <summary>Writes the trace into <paramref name="directory"/>; returns the file's path.</summary>
    public static string Write(string directory, ScheduleFile trace)
    {
        Directory.CreateDirectory(directory);
        string path = Path.GetFullPath(Path.Combine(directory, $"{trace.Target}.{trace.Scenario}.seed{trace.Seed}.trace.json"));
        var json = new JsonObject
        {
            ["format"] = Format,
            ["version"] = Version,
            ["target"] = trace.Target,
            ["scenario"] = trace.Scenario,
            ["bug"] = trace.Bug,
            ["seed"] = trace.Seed,
            ["strategy"] = trace.Strategy.ToString().ToLowerInvariant(),
            ["program"] = trace.Program,
            ["coyote"] = JsonNode.Parse(trace.CoyoteTrace),
        };
        File.WriteAllText(path, json.ToJsonString(s_indented));
        return path;
    }

    /// <summary>Reads a trace, or throws <see cref="ScheduleFileException"/> saying in one line what is wrong.</summary>
    public static ScheduleFile Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new ScheduleFileException($"trace file '{path}' does not exist");
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new ScheduleFileException($"'{path}' is not a harness trace: invalid or truncated JSON ({e.Message.Split('\n')[0].Trim()})");
        }
        catch (IOException e)
        {
            throw new ScheduleFileException($"cannot read '{path}': {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ScheduleFileException($"cannot read '{path}': {e.Message}");
        }

        try
        {
            return Validate(root, path);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            // JsonNode reports some damage (duplicate keys, wrong node kinds) only when read.
            throw new ScheduleFileException($"'{path}' is not a valid harness trace: {e.Message.Split('\n')[0].Trim()}");
        }
    }

    private static ScheduleFile Validate(JsonNode? root, string path)
    {
        if (root is not JsonObject obj || !IsString(obj, "format", out string? format) || format != Format)
        {
            throw new ScheduleFileException($"'{path}' is not a TaskGroups harness trace (no \"format\": \"{Format}\")");
        }

        int version = TryGet(obj, "version", out int v) ? v : -1;
        if (version != Version)
        {
            throw new ScheduleFileException($"'{path}' is a trace of version {version}; this harness reads version {Version}");
        }

        string target = Required(obj, "target", path);
        string scenario = Required(obj, "scenario", path);
        string bug = Required(obj, "bug", path);
        if (!TryGet(obj, "seed", out uint seed))
        {
            throw new ScheduleFileException($"'{path}' is missing the field \"seed\"");
        }

        SchedulingStrategy strategy = Enum.TryParse(IsString(obj, "strategy", out string? s) ? s : null, ignoreCase: true, out SchedulingStrategy parsed)
            ? parsed : throw new ScheduleFileException($"'{path}' has no valid \"strategy\"");
        if (obj["coyote"] is not JsonObject coyote || coyote["Steps"] is not JsonArray steps || coyote["Settings"] is not JsonObject)
        {
            throw new ScheduleFileException($"'{path}' has no Coyote schedule (field \"coyote\" with \"Settings\" and \"Steps\")");
        }

        if (steps.Count == 0)
        {
            throw new ScheduleFileException($"'{path}' has an empty Coyote schedule (no \"Steps\")");
        }

        for (int i = 0; i < steps.Count; i++)
        {
            // Coyote 1.7.11 parses steps without validating them; a damaged step would crash it.
            if (steps[i] is not JsonValue step || !step.TryGetValue(out string? text) || !IsValidStep(text))
            {
                throw new ScheduleFileException($"'{path}' has a malformed Coyote step #{i}: {steps[i]?.ToJsonString() ?? "null"}");
            }
        }

        string? program = IsString(obj, "program", out string? p) ? p : null;
        return new ScheduleFile(target, scenario, bug, seed, strategy, coyote.ToJsonString(), program);
    }

    /// <summary>One step as Coyote 1.7.11 writes it: <c>op(id:seq),sp(Kind),next(id:seq)</c>,
    /// <c>op(id:seq),bool(True)</c> or <c>op(id:seq),int(n)</c>, with numbers that fit Coyote's types.</summary>
    private static bool IsValidStep(string text)
    {
        Match m = StepPattern().Match(text);
        if (!m.Success)
        {
            return false;
        }

        foreach (string name in new[] { "op", "seq", "nop", "nseq" })
        {
            if (m.Groups[name].Success && !ulong.TryParse(m.Groups[name].Value, out _))
            {
                return false;
            }
        }

        return !m.Groups["int"].Success || int.TryParse(m.Groups["int"].Value, out _);
    }

    [GeneratedRegex(@"^op\((?<op>\d{1,20}):(?<seq>\d{1,20})\),(sp\([A-Za-z]+\),next\((?<nop>\d{1,20}):(?<nseq>\d{1,20})\)|bool\((True|False)\)|int\((?<int>\d{1,10})\))$")]
    private static partial Regex StepPattern();

    private static string Required(JsonObject obj, string field, string path) =>
        IsString(obj, field, out string? value) && !string.IsNullOrEmpty(value)
            ? value
            : throw new ScheduleFileException($"'{path}' is missing the field \"{field}\"");

    private static bool IsString(JsonObject obj, string field, out string? value)
    {
        value = null;
        if (obj[field] is JsonValue node && node.TryGetValue(out string? s))
        {
            value = s;
            return true;
        }

        return false;
    }

    private static bool TryGet<T>(JsonObject obj, string field, out T value)
    {
        value = default!;
        try
        {
            return obj[field] is JsonValue node && node.TryGetValue(out value!);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
