namespace TaskGroups.Verification.Engine;

/// <summary>Stops a test method once the CLI's replay captured its <see cref="Systematic.Verify"/> body
/// (see <see cref="Systematic.Interceptor"/>); never seen outside the CLI.</summary>
internal sealed class TestCapturedException() : Exception("the test's Systematic.Verify body was captured for replay");
