using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TaskGroups.Verification.Engine;

/// <summary>
/// A failing schedule on disk, the one format every part writes (the CLI's <c>explore</c> and
/// <c>properties</c>, the repository's tests, users' <c>Systematic.Verify</c> tests): what failed (a
/// scenario on a target, a generated program on a target, or a test method by its full name), the bug
/// it produced, the seed and strategy that found it, a fingerprint of the code it was found on, and
/// Coyote's reproducible trace, which replays it exactly. A SHA-256 checksum over the rest of the file
/// tells a damaged file from a fixed bug.
/// </summary>
/// <param name="Target">Target name (scenarios and programs); empty for a test.</param>
/// <param name="Scenario">Scenario name; <c>program</c> for a generated program; the test's full name for a test.</param>
/// <param name="Bug">The bug line, as it was printed.</param>
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
    /// <summary>What the schedule replays. Defaults to <see cref="ScheduleKind.Program"/> when a
    /// program is given, else <see cref="ScheduleKind.Scenario"/>.</summary>
    public ScheduleKind Kind { get; init; } = Program is null ? ScheduleKind.Scenario : ScheduleKind.Program;

    /// <summary>For a test: the seed its options asked for (engines add their index to it), which
    /// together with the test's name tells which test, or which case of a theory, the schedule replays.</summary>
    public uint BaseSeed { get; init; }

    /// <summary>For a test: the absolute path of its project file, used to print the replay command.</summary>
    public string? Project { get; init; }

    /// <summary>The scheduling-step bound the schedule was explored with.</summary>
    public uint MaxSteps { get; init; } = 2_000;

    /// <summary>Identity of the code the schedule was found on: assembly name → module version id.</summary>
    public IReadOnlyDictionary<string, string> Fingerprint { get; init; } = new Dictionary<string, string>();

    /// <summary>How many scheduling steps the Coyote trace holds.</summary>
    public int StepCount => JsonNode.Parse(CoyoteTrace)?["Steps"] is JsonArray steps ? steps.Count : 0;

    /// <summary>The value of the <c>format</c> field that marks a file as ours.</summary>
    public const string Format = "taskgroups-schedule";

    /// <summary>The version of the layout this engine writes and reads (2: kinds, checksum, fingerprint).</summary>
    public const int Version = 2;

    /// <summary>The file-name suffix of every schedule file.</summary>
    public const string Extension = ".schedule.json";

    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    /// <summary>The fingerprint of <paramref name="assemblies"/>: name → module version id.</summary>
    public static IReadOnlyDictionary<string, string> FingerprintOf(IEnumerable<System.Reflection.Assembly> assemblies)
    {
        ArgumentNullException.ThrowIfNull(assemblies);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Reflection.Assembly a in assemblies.Distinct())
        {
            result[a.GetName().Name ?? a.FullName ?? "?"] = a.ManifestModule.ModuleVersionId.ToString("D");
        }

        return result;
    }

    /// <summary>Writes the schedule into <paramref name="directory"/>; returns the file's absolute path.</summary>
    public static string Write(string directory, ScheduleFile schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Directory.CreateDirectory(directory);
        string stem = schedule.Kind == ScheduleKind.Test ? schedule.Scenario : $"{schedule.Target}.{schedule.Scenario}";
        string safe = string.Concat(stem.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
        string path = Path.GetFullPath(Path.Combine(directory, $"{safe}.seed{schedule.Seed}{Extension}"));
        var fingerprint = new JsonObject();
        foreach ((string name, string id) in schedule.Fingerprint)
        {
            fingerprint[name] = id;
        }

        var json = new JsonObject
        {
            ["format"] = Format,
            ["version"] = Version,
            ["kind"] = schedule.Kind.ToString().ToLowerInvariant(),
            ["target"] = schedule.Kind == ScheduleKind.Test ? null : schedule.Target,
            ["scenario"] = schedule.Kind == ScheduleKind.Scenario ? schedule.Scenario : null,
            ["test"] = schedule.Kind == ScheduleKind.Test ? schedule.Scenario : null,
            ["baseSeed"] = schedule.Kind == ScheduleKind.Test ? schedule.BaseSeed : null,
            ["project"] = schedule.Project,
            ["program"] = schedule.Program,
            ["bug"] = schedule.Bug,
            ["seed"] = schedule.Seed,
            ["strategy"] = schedule.Strategy.ToString().ToLowerInvariant(),
            ["maxSteps"] = schedule.MaxSteps,
            ["fingerprint"] = fingerprint,
            ["coyote"] = JsonNode.Parse(schedule.CoyoteTrace),
        };
        json["checksum"] = Checksum(json);
        File.WriteAllText(path, json.ToJsonString(s_indented));
        return path;
    }

    /// <summary>SHA-256 over the compact JSON of every field but <c>checksum</c>, in file order.</summary>
    private static string Checksum(JsonObject obj)
    {
        var copy = new JsonObject();
        foreach ((string key, JsonNode? value) in obj)
        {
            if (key != "checksum")
            {
                copy[key] = value?.DeepClone();
            }
        }

        byte[] hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(copy.ToJsonString()));
        return "sha256:" + Convert.ToHexStringLower(hash);
    }

    /// <summary>Reads a schedule, or throws <see cref="ScheduleFileException"/> saying in one line what is wrong.</summary>
    public static ScheduleFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new ScheduleFileException($"'{path}' is a directory, not a schedule file");
        }

        if (!File.Exists(path))
        {
            throw new ScheduleFileException($"schedule file '{path}' does not exist");
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new ScheduleFileException($"'{path}' is not a schedule file: invalid or truncated JSON ({e.Message.Split('\n')[0].Trim()})");
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
            throw new ScheduleFileException($"'{path}' is not a valid schedule file: {e.Message.Split('\n')[0].Trim()}");
        }
    }

    private static ScheduleFile Validate(JsonNode? root, string path)
    {
        if (root is not JsonObject obj || !IsString(obj, "format", out string? format) || format != Format)
        {
            throw new ScheduleFileException($"'{path}' is not a TaskGroups schedule file (no \"format\": \"{Format}\")");
        }

        int version = TryGet(obj, "version", out int v) ? v : -1;
        if (version != Version)
        {
            throw new ScheduleFileException($"'{path}' is a schedule file of version {version}; this engine reads version {Version}");
        }

        _ = obj.ToJsonString(); // surfaces duplicate keys before the checksum is computed
        if (!IsString(obj, "checksum", out string? checksum) || checksum != Checksum(obj))
        {
            throw new ScheduleFileException($"'{path}' is corrupt: its checksum does not match its contents (the file was damaged or edited by hand)");
        }

        ScheduleKind kind = Enum.TryParse(IsString(obj, "kind", out string? k) ? k : null, ignoreCase: true, out ScheduleKind parsedKind) && Enum.IsDefined(parsedKind)
            ? parsedKind : throw new ScheduleFileException($"'{path}' has no valid \"kind\" (scenario, program or test)");
        string? target = IsString(obj, "target", out string? t) ? t : null;
        string? scenario = IsString(obj, "scenario", out string? sc) ? sc : null;
        string? test = IsString(obj, "test", out string? te) ? te : null;
        string? program = IsString(obj, "program", out string? p) ? p : null;
        string? project = IsString(obj, "project", out string? pr) ? pr : null;
        string name = kind switch
        {
            ScheduleKind.Scenario when !string.IsNullOrEmpty(target) && !string.IsNullOrEmpty(scenario) && test is null && program is null => scenario,
            ScheduleKind.Program when !string.IsNullOrEmpty(target) && program is not null && scenario is null && test is null => "program",
            ScheduleKind.Test when !string.IsNullOrEmpty(test) && target is null && scenario is null && program is null => test,
            _ => throw new ScheduleFileException($"'{path}' has inconsistent header fields: a {kind.ToString().ToLowerInvariant()} schedule needs "
                + kind switch
                {
                    ScheduleKind.Scenario => "\"target\" and \"scenario\" and no \"test\" or \"program\"",
                    ScheduleKind.Program => "\"target\" and \"program\" and no \"scenario\" or \"test\"",
                    _ => "\"test\" and no \"target\", \"scenario\" or \"program\"",
                }),
        };

        string bug = Required(obj, "bug", path);
        if (!TryGet(obj, "seed", out uint seed))
        {
            throw new ScheduleFileException($"'{path}' is missing the field \"seed\"");
        }

        if (!TryGet(obj, "maxSteps", out uint maxSteps) || maxSteps == 0)
        {
            throw new ScheduleFileException($"'{path}' has no valid \"maxSteps\"");
        }

        SchedulingStrategy strategy = Enum.TryParse(IsString(obj, "strategy", out string? s) ? s : null, ignoreCase: true, out SchedulingStrategy parsed) && Enum.IsDefined(parsed)
            ? parsed : throw new ScheduleFileException($"'{path}' has no valid \"strategy\"");
        if (obj["coyote"] is not JsonObject coyote || coyote["Steps"] is not JsonArray steps || coyote["Settings"] is not JsonObject settings)
        {
            throw new ScheduleFileException($"'{path}' has no Coyote schedule (field \"coyote\" with \"Settings\" and \"Steps\")");
        }

        if (!TryGet(settings, "Seed", out uint coyoteSeed) || coyoteSeed != seed)
        {
            throw new ScheduleFileException($"'{path}' has inconsistent header fields: \"seed\" is {seed} but the Coyote schedule was recorded with seed {(TryGet(settings, "Seed", out uint cs) ? cs.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?")}");
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

        uint baseSeed = 0;
        if (kind == ScheduleKind.Test && !TryGet(obj, "baseSeed", out baseSeed))
        {
            throw new ScheduleFileException($"'{path}' has inconsistent header fields: a test schedule needs \"baseSeed\"");
        }

        var fingerprint = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (obj["fingerprint"] is JsonObject fp)
        {
            foreach ((string assembly, JsonNode? id) in fp)
            {
                fingerprint[assembly] = id is JsonValue value && value.TryGetValue(out string? text) ? text
                    : throw new ScheduleFileException($"'{path}' has a malformed fingerprint entry '{assembly}'");
            }
        }

        return new ScheduleFile(target ?? string.Empty, name, bug, seed, strategy, coyote.ToJsonString(), program)
        {
            Kind = kind,
            BaseSeed = baseSeed,
            Project = project,
            MaxSteps = maxSteps,
            Fingerprint = fingerprint,
        };
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
