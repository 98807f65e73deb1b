namespace TaskGroups.Verification.Engine;

/// <summary>An exception escaped onto a thread Coyote does not control while exploring: the process was
/// kept alive (see <see cref="CrashContainment"/>), but the crash has no schedule to replay.</summary>
public sealed class UncontrolledCrashException(Exception escaped)
    : InvalidOperationException($"an exception escaped onto an uncontrolled thread while exploring (no replayable schedule): {escaped.GetType().Name}: {escaped.Message.Split('\n')[0]}", escaped);
