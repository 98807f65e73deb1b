#!/usr/bin/env bash
# The TaskGroups.Verification acceptance, run as a new user would (issue 9):
#   1. dotnet pack the solution into a local folder (TaskGroups.*.nupkg, TaskGroups.Verification.*.nupkg);
#   2. a fresh xunit project OUTSIDE the repository, whose nuget.config only adds that folder as a source,
#      references TaskGroups.Verification and tests its own racy counter with Systematic.Verify;
#   3. `dotnet test` must fail with the lines bug: / schedule: (the file exists) / replay: ;
#   4. the printed replay command (TASKGROUPS_REPLAY=...) must fail with the identical bug: line;
#   5. the fixed counter must pass, and so must a correct use of TaskGroup in the same project.
# Usage: bash build/acceptance.sh [WORKDIR]   (default: a new folder under /tmp). Exit 0 = all held.
# It removes this repository's own packages (taskgroups*) from the NuGet cache first, so that the
# freshly packed 0.1.0 is used and not an older copy with the same version.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/taskgroups-acceptance.XXXXXX)}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 COYOTE_CLI_TELEMETRY_OPTOUT=1
pkgs="$work/pkgs"
proj="$work/CounterTests"
fail() { echo "acceptance FAILED: $*" >&2; exit 1; }
step() { echo "== $*"; }
started=$(date +%s)

step "pack into $pkgs"
rm -rf "$pkgs" "$proj"
mkdir -p "$pkgs" "$proj"
dotnet pack "$repo/TaskGroups.sln" -c Release -o "$pkgs" > "$work/pack.log" 2>&1 || { tail -20 "$work/pack.log"; fail "dotnet pack"; }
ls "$pkgs"/TaskGroups.[0-9]*.nupkg > /dev/null || fail "no TaskGroups.*.nupkg"
ls "$pkgs"/TaskGroups.Verification.[0-9]*.nupkg > /dev/null || fail "no TaskGroups.Verification.*.nupkg"
cache=${NUGET_PACKAGES:-$HOME/.nuget/packages}
rm -rf "$cache"/taskgroups "$cache"/taskgroups.verification "$cache"/taskgroups.verification.checker

step "a fresh xunit project in $proj"
cat > "$proj/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="local" value="$pkgs" />
  </packageSources>
</configuration>
XML
cat > "$proj/CounterTests.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <IsPackable>false</IsPackable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.0.1" />
    <PackageReference Include="xunit" Version="2.9.3" />
    <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
    <PackageReference Include="TaskGroups.Verification" Version="0.1.0" />
  </ItemGroup>
</Project>
XML
cat > "$proj/Counter.cs" <<'CS'
namespace CounterTests;

/// <summary>The user's own code: a counter whose increment reads, awaits, then writes.</summary>
public sealed class Counter
{
    private int _value;

    public int Value => _value;

    public async Task IncrementAsync()
    {
        int read = _value;
        await Task.Yield();
        _value = read + 1;
    }
}
CS
cat > "$proj/CounterTests.cs" <<'CS'
using TaskGroups;
using TaskGroups.Verification;
using Xunit;

namespace CounterTests;

public class CounterTests
{
    [Fact]
    public void TwoChildren_Increment_CountIsTwo() => Systematic.Verify(async () =>
    {
        var counter = new Counter();
        await TaskGroup.RunAsync(group =>
        {
            _ = group.Spawn(_ => counter.IncrementAsync());
            _ = group.Spawn(_ => counter.IncrementAsync());
            return Task.CompletedTask;
        });
        Assert.Equal(2, counter.Value);
    });

    [Fact]
    public void FailingChild_CancelsSibling_GroupFaults() => Systematic.Verify(async () =>
    {
        var sibling = new TaskCompletionSource();
        Task run = TaskGroup.RunAsync(group =>
        {
            _ = group.Spawn(async ct =>
            {
                using (ct.Register(() => sibling.TrySetResult()))
                {
                    await sibling.Task;
                }
            });
            _ = group.Spawn(async _ =>
            {
                await Task.Yield();
                throw new InvalidOperationException("boom");
            });
            return Task.CompletedTask;
        });
        // Not Assert.ThrowsAsync: xunit is not rewritten for Coyote, so its awaits are not controlled.
        try
        {
            await run;
            Assert.Fail("the group did not fault");
        }
        catch (TaskGroupException failure)
        {
            Assert.IsType<InvalidOperationException>(Assert.Single(failure.InnerExceptions));
        }
    });
}
CS

step "dotnet test must fail with the three lines"
t0=$(date +%s)
set +e
dotnet test "$proj/CounterTests.csproj" > "$work/test1.log" 2>&1
code=$?
set -e
t1=$(date +%s)
[ "$code" -ne 0 ] || { cat "$work/test1.log"; fail "dotnet test passed on the racy counter"; }
bug=$(grep -o 'bug: .*' "$work/test1.log" | head -1)
schedule=$(grep -o 'schedule: .*' "$work/test1.log" | head -1 | sed 's/^schedule: //')
replay=$(grep -o 'replay: .*' "$work/test1.log" | head -1 | sed 's/^replay: //')
[ -n "$bug" ] && [ -n "$schedule" ] && [ -n "$replay" ] || { cat "$work/test1.log"; fail "missing bug:/schedule:/replay: lines"; }
[ -f "$schedule" ] || fail "schedule file $schedule does not exist"
grep -q "Failed:     1, Passed:     1" "$work/test1.log" || { cat "$work/test1.log"; fail "expected 1 failed (the race) and 1 passed (correct TaskGroup use)"; }
echo "$bug"; echo "schedule: $schedule"; echo "replay: $replay"; echo "(first dotnet test: $((t1 - t0)) s, build included)"

step "the replay command, pasted from another directory, must fail with the identical bug: line"
set +e
(cd / && eval "$replay") > "$work/replay.log" 2>&1
code=$?
set -e
[ "$code" -ne 0 ] || { cat "$work/replay.log"; fail "the replay passed"; }
rbug=$(grep -o 'bug: .*' "$work/replay.log" | head -1)
[ "$rbug" = "$bug" ] || { cat "$work/replay.log"; fail "replay printed '$rbug', expected '$bug'"; }
grep -q "timeline" "$work/replay.log" || fail "the replay printed no timeline"
echo "replayed: $rbug"

step "the fixed counter must pass (plain dotnet test after an edit)"
python3 - "$proj/Counter.cs" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("""        int read = _value;
        await Task.Yield();
        _value = read + 1;""", """        await Task.Yield();
        Interlocked.Increment(ref _value);""")
open(p, "w").write(s)
PY
dotnet test "$proj/CounterTests.csproj" > "$work/test2.log" 2>&1 || { cat "$work/test2.log"; fail "the fixed counter did not pass"; }
grep -q "Passed:     2" "$work/test2.log" || { cat "$work/test2.log"; fail "expected 2 passed"; }
echo "fixed: $(grep -E 'Passed!|Failed!' "$work/test2.log" | head -1)"

step "informational: the old schedule on the fixed code (not part of the acceptance)"
# Known limitation (docs/verification.md): when the fixed code leaves the recorded schedule, Coyote
# tears the iteration down inside the library's completion continuation and the test host can crash
# (library request in the report); a complete replay without the bug passes.
if (cd / && eval "$replay") > "$work/replay2.log" 2>&1; then echo "replayed without the bug: passed"; else echo "replay of the fixed code: $(grep -m1 -oE 'diverged at step [0-9]+|Test host process crashed|bug: .*' "$work/replay2.log" || echo failed)"; fi
echo "acceptance passed in $(( $(date +%s) - started )) s (work folder: $work)"
