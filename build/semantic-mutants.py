# Semantic mutants of the real TaskGroup: (name, file under src/TaskGroups, exact old text, new text).
# Each must be caught by `explore` or `properties` at their defaults. To try one: apply the replacement in
# a scratch worktree, `dotnet build src/Harness -c Release`, then run
# `dotnet src/Harness/bin/Release/net10.0/Harness.dll explore` and `... properties`, and replay the
# schedule file printed after `schedule:`. Results of the last run are in the README (Teeth).
M = [
 ("gh155433-caller-ignored-after-cancel", "TaskGroup.cs", ": callerCancelled ? TaskStatus.Canceled", ": callerCancelled && cause != TaskGroupCancelCause.Cancel ? TaskStatus.Canceled"),
 ("only-first-error-kept", "TaskGroup.cs", "            if (added)\n            {\n                _failures.Add(exception);", "            if (added && false)\n            {\n                _failures.Add(exception);"),
 ("no-fail-fast", "TaskGroup.cs", "if (_failFast || childId == 0)", "if (childId == 0)"),
 ("body-failure-does-not-cancel", "TaskGroup.cs", "if (_failFast || childId == 0)", "if (_failFast && childId != 0)"),
 ("every-oce-own-signal", "TaskGroup.cs", "private bool IsOwnSignalObserved() => _cts.IsCancellationRequested || _callerToken.IsCancellationRequested;", "private bool IsOwnSignalObserved() => _cts is not null;"),
 ("group-cancel-not-own-signal", "TaskGroup.cs", "private bool IsOwnSignalObserved() => _cts.IsCancellationRequested || _callerToken.IsCancellationRequested;", "private bool IsOwnSignalObserved() => _callerToken.IsCancellationRequested;"),
 ("cancellation-caught-never", "TaskGroup.cs", "Volatile.Write(ref _cancellationCaught, cause == TaskGroupCancelCause.Cancel);", "Volatile.Write(ref _cancellationCaught, false);"),
 ("registration-failure-dropped", "TaskGroup.cs", "                        RecordFailure(exception, NotAChild);", "                        _ = exception;"),
 ("caller-registration-leaked", "TaskGroup.cs", "        _callerRegistration.Unregister();\n        ReleaseTimers();", "        ReleaseTimers();"),
 ("cancel-callbacks-deferred", "TaskGroup.cs", "                _cts.Cancel();\n", "                _ = _cts.CancelAsync();\n"),
 ("spawn-after-completion-accepted", "TaskGroup.cs",
  "        if (!TryEnter())\n        {\n            if (_listener is not null)\n            {\n                // Invariant 8 for a listener: the spawn is refused and its child never runs. The group\n                // has completed, so a listener's exception has no group left to fail (dropped).\n                _ = TryEmit(TaskGroupEventKind.SpawnRejected, 0, default, TaskGroupCancelCause.None, null, _callerToken.IsCancellationRequested);\n            }\n\n            ThrowHelper.ThrowGroupCompleted(this);\n        }",
  "        if (!TryEnter())\n        {\n            Interlocked.Increment(ref _pending);\n        }"), ("faulted-oce-never-failure", "TaskGroup.cs", "if (!(ownSignal && exception is OperationCanceledException))", "if (exception is not OperationCanceledException)"),
 ("cancelled-child-never-failure", "TaskGroup.cs", "else if (task.IsCanceled && !IsOwnSignalObserved())", "else if (task.IsCanceled && false)"),
 ("caller-cancel-beats-failures", "TaskGroup.cs", "TaskStatus status = failures is not null || timedOut ? TaskStatus.Faulted\n            : callerCancelled ? TaskStatus.Canceled", "TaskStatus status = callerCancelled ? TaskStatus.Canceled\n            : failures is not null || timedOut ? TaskStatus.Faulted"),
 ("last-cancel-cause-wins", "TaskGroup.cs", "if (_cancelCause == TaskGroupCancelCause.None)\n", "if (true)\n"),
 ("cancel-not-idempotent-guard", "TaskGroup.cs", "            if (_cts.IsCancellationRequested)\n            {\n                return; // Idempotent", "            if (_cts.IsCancellationRequested && _cancelCause != TaskGroupCancelCause.Cancel)\n            {\n                return; // Idempotent"),
 ("request-cancel-not-a-participant", "TaskGroup.cs", "        if (!TryEnter())\n        {\n            return; // Invariant 7: a no-op after completion.\n        }", "        if (Volatile.Read(ref _pending) == 0)\n        {\n            return; // Invariant 7: a no-op after completion.\n        }\n        Interlocked.Increment(ref _pending);"),
]
