using TaskGroups.Harness.Targets;
using TaskGroups.Verification;

namespace TaskGroups.Harness.Scenarios;

/// <summary>
/// The beyond-the-seed scenarios: deadlines and CancelAfter on the schedule's <see cref="VirtualClock"/>,
/// the concurrency limit, supervisor mode, StartAsync, cancel reasons and shielded cleanup. They run
/// only on targets that support the features (<see cref="Scenario.RequiresFeatures"/>). The checker
/// checks invariants 1–7 on every group and the general feature rules (timeout row, limit, queued
/// children cancelled, StartAsync's failures not the group's); each scenario asserts the rest.
/// Each stays small: one group (two when nested), at most four children, a clock of a few advances.
/// </summary>
internal static class FeatureScenarios
{
    /// <summary>The deadline every timed scenario uses, and the clock's step.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(5);

    /// <summary>All feature scenarios, in the order <c>list</c> shows them.</summary>
    public static IReadOnlyList<Scenario> All { get; } =
    [
        Feature("deadline-fires", [3], [FeatureRule.Timeout],
            "a deadline races a child's work and a waiting child on the virtual clock: TimeoutException exactly when it fired first",
            DeadlineFires),
        Feature("deadline-races-caller-cancel", [3], [FeatureRule.Timeout],
            "the caller's token and the deadline fire at moments the schedule picks: the caller's cancellation must win (AnyIO #1214 class)",
            DeadlineRacesCallerCancel),
        Feature("deadline-races-failure", [5], [FeatureRule.Timeout],
            "a child fails while the deadline fires: the failure wins",
            DeadlineRacesFailure),
        Feature("deadline-nested-outer-cancel", [4], [FeatureRule.Timeout],
            "a nested group's deadline races the outer group's Cancel(): it must not absorb the outer cancellation (CPython gh-155433 class)",
            DeadlineNestedOuterCancel),
        Feature("cancel-after-quiet", [3], [FeatureRule.CancelAfter],
            "CancelAfter on the virtual clock: the group ends quietly with CancellationCaught, unless its work finished first",
            CancelAfterQuiet),
        Feature("limit-order", [1], [FeatureRule.Limit],
            "MaxConcurrency 2 with four children: never more than two running, started in spawn order, Spawn never blocks",
            LimitOrder),
        Feature("limit-cancel-queued", [2], [FeatureRule.Limit],
            "MaxConcurrency 1; Cancel() while children wait in the queue: none may start with an uncancelled token",
            LimitCancelQueued),
        Feature("supervise-siblings-run", [5], [FeatureRule.Supervise],
            "FailFast = false: two children fail, a sibling and the body keep running uncancelled; both failures reported (in the order the group saw them)",
            SuperviseSiblingsRun),
        Feature("supervise-still-cancels", [2, 3], [FeatureRule.Supervise],
            "FailFast = false: after a failure, Cancel(), the caller's token or the deadline still cancels every child",
            SuperviseStillCancels),
        Feature("start-handshake", [5], [FeatureRule.Start],
            "StartAsync's four cases: started (and started twice), failure before started, finished without started, failure after started",
            StartHandshake),
        Feature("cancel-reason-first-wins", [7], [FeatureRule.CancelReason],
            "two Cancel(reason) calls, a failure and the caller's token race: CancellationReason names the first cause, in the spec's words",
            CancelReasonFirstWins),
        Feature("shield-cleanup-runs", [1], [FeatureRule.Shield],
            "a child's finally runs shielded cleanup (awaited or not) while the group cancels: it runs to its end and the group waits for it",
            ShieldCleanupRuns),
        Feature("shield-grace-bounds", [1], [FeatureRule.Shield],
            "a shielded cleanup that hangs is cancelled by its grace period on the virtual clock, not before, and not by the group",
            ShieldGraceBounds),
    ];

    private static Scenario Feature(string name, int[] invariants, FeatureRule[] rules, string description, Func<CheckedContext, Task> body) =>
        new(name, invariants, description, body) { RequiresFeatures = true, FeatureRules = rules };

    private static TaskGroupOptions WithDeadline => new() { Timeout = Deadline };

    /// <summary>Waits for <paramref name="task"/> whatever its outcome.</summary>
    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // Only its completion matters.
        }
    }

    /// <summary>Whether the run ended with exactly a TimeoutException (not a TaskGroupException).</summary>
    private static bool TimedOut(Task run) =>
        run.IsFaulted && run.Exception!.InnerExceptions is [{ } e] && e.GetType() == typeof(TimeoutException);

    // ---------------------------------------------------------------------------------------------
    // Timeout and CancelAfter.
    // ---------------------------------------------------------------------------------------------

    private static async Task DeadlineFires(CheckedContext ctx)
    {
        VirtualClock clock = ctx.StartClock(Tick);
        bool waits = ctx.Chance();
        string? reason = null;
        Task run = await ctx.RunFeatureGroupAsync(WithDeadline, group =>
        {
            _ = group.Spawn(async _ => await ctx.YieldSomeAsync(4));
            _ = group.Spawn(async ct =>
            {
                if (waits)
                {
                    await CheckedContext.UntilCancelledAsync(ct);
                }

                await ctx.YieldSomeAsync();
            });
            _ = group.Spawn(async ct =>
            {
                try
                {
                    await CheckedContext.UntilCancelledAsync(ct);
                }
                finally
                {
                    reason = group.CancellationReason;
                }
            });
            return Task.CompletedTask;
        }, clock: clock);
        await clock.StopAsync();

        // The third child waits for the token: only the deadline can end the group.
        ctx.CheckFeature(TimedOut(run), FeatureRule.Timeout, $"a group whose only way to end is its deadline ended {run.Status}" +
            (run.IsFaulted ? $" with {run.Exception!.InnerException!.GetType().Name}" : string.Empty));
        ctx.CheckFeature(reason == "deadline of 10 s elapsed", FeatureRule.CancelReason, $"the deadline's CancellationReason is \"{reason}\", not \"deadline of 10 s elapsed\"");
        ctx.CheckFeature(clock.Elapsed >= Deadline, FeatureRule.Timeout, $"the group timed out at {clock.Elapsed.TotalSeconds} s, before its deadline of 10 s");
    }

    private static async Task DeadlineRacesCallerCancel(CheckedContext ctx)
    {
        VirtualClock clock = ctx.StartClock(Tick);
        using var caller = new CancellationTokenSource();
        Task outsider = ctx.CancelLater("caller", caller, maxYields: 6);
        Task run = await ctx.RunFeatureGroupAsync(WithDeadline, group =>
        {
            _ = group.Spawn(CheckedContext.UntilCancelledAsync);
            _ = group.Spawn(async ct =>
            {
                await ctx.YieldSomeAsync();
                await CheckedContext.UntilCancelledAsync(ct);
            });
            return Task.CompletedTask;
        }, caller.Token, clock);
        await outsider;
        await clock.StopAsync();
    }

    private static async Task DeadlineRacesFailure(CheckedContext ctx)
    {
        VirtualClock clock = ctx.StartClock(Tick);
        var failure = new PlantedFailureException("fails while the deadline fires");
        Task run = await ctx.RunFeatureGroupAsync(WithDeadline, group =>
        {
            _ = group.Spawn(CheckedContext.UntilCancelledAsync);
            _ = group.Spawn(async ct =>
            {
                try
                {
                    await ctx.YieldSomeAsync(6);
                }
                finally
                {
                    // Thrown whether or not the deadline cancelled the token meanwhile: a failure in cleanup.
                    await Task.Yield();
                }

                throw failure;
            });
            return Task.CompletedTask;
        }, clock: clock);
        await clock.StopAsync();
        ctx.Check(run.IsFaulted && run.Exception!.InnerException is TaskGroupException, 5, $"a child failed while the deadline fired, but the group ended {run.Status}" +
            (run.IsFaulted ? $" with {run.Exception!.InnerException!.GetType().Name}" : string.Empty));
    }

    private static async Task DeadlineNestedOuterCancel(CheckedContext ctx)
    {
        VirtualClock clock = ctx.StartClock(Tick);
        Task? inner = null;
        Task outer = await ctx.RunFeatureGroupAsync(new TaskGroupOptions(), group =>
        {
            _ = group.Spawn(async ct =>
            {
                inner = await ctx.RunFeatureGroupAsync(WithDeadline, innerGroup =>
                {
                    _ = innerGroup.Spawn(CheckedContext.UntilCancelledAsync);
                    return Task.CompletedTask;
                }, ct, clock);
            });
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync(6);
                group.Cancel("the outer group is done");
            });
            return Task.CompletedTask;
        }, clock: clock);
        await clock.StopAsync();

        // The inner group is checked by the checker (invariant 4 when it absorbs the outer cancellation).
        // The outer group cancelled itself and did not await the inner outcome: it ends quietly.
        ctx.Check(outer.Status == TaskStatus.RanToCompletion, 4, $"the outer group that cancelled itself ended {outer.Status} (inner ended {inner?.Status})");
    }

    private static async Task CancelAfterQuiet(CheckedContext ctx)
    {
        VirtualClock clock = ctx.StartClock(Tick);
        bool waits = ctx.Chance();
        IFeatureScope? scope = null;
        Task run = await ctx.RunFeatureGroupAsync(new TaskGroupOptions(), group =>
        {
            scope = group;
            group.CancelAfter(Deadline);
            _ = group.Spawn(async ct =>
            {
                await ctx.YieldSomeAsync(4);
                if (waits)
                {
                    await CheckedContext.UntilCancelledAsync(ct);
                }
            });
            return Task.CompletedTask;
        }, clock: clock);
        await clock.StopAsync();
        ctx.CheckFeature(run.Status == TaskStatus.RanToCompletion, FeatureRule.CancelAfter, $"a group with CancelAfter ended {run.Status}; CancelAfter must end it quietly" +
            (run.IsFaulted ? $" ({run.Exception!.InnerException!.GetType().Name})" : string.Empty));
        if (waits)
        {
            ctx.CheckFeature(scope!.CancellationCaught == true, FeatureRule.CancelAfter, "a group ended by its CancelAfter reports CancellationCaught false");
            ctx.CheckFeature(scope.CancellationReason == "CancelAfter of 10 s elapsed", FeatureRule.CancelReason, $"CancelAfter's reason is \"{scope.CancellationReason}\"");
            ctx.CheckFeature(clock.Elapsed >= Deadline, FeatureRule.CancelAfter, $"CancelAfter(10 s) fired at {clock.Elapsed.TotalSeconds} s");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // MaxConcurrency.
    // ---------------------------------------------------------------------------------------------

    private static async Task LimitOrder(CheckedContext ctx)
    {
        int finished = 0;
        Task run = await ctx.RunFeatureGroupAsync(new TaskGroupOptions { MaxConcurrency = 2 }, group =>
        {
            for (int i = 0; i < 4; i++)
            {
                // Spawn returns at once; a limiter that blocked here would hang the body (a deadlock report).
                _ = group.Spawn(async _ =>
                {
                    await ctx.YieldSomeAsync();
                    Interlocked.Increment(ref finished);
                });
            }

            return Task.CompletedTask;
        });
        ctx.CheckFeature(finished == 4, FeatureRule.Limit, $"only {finished} of 4 queued children ran to their end");
        ctx.Check(run.Status == TaskStatus.RanToCompletion, 1, $"a limited group of successful children ended {run.Status}");
    }

    private static async Task LimitCancelQueued(CheckedContext ctx)
    {
        await ctx.RunFeatureGroupAsync(new TaskGroupOptions { MaxConcurrency = 1 }, async group =>
        {
            _ = group.Spawn(async ct =>
            {
                await ctx.YieldSomeAsync();
                if (ctx.Chance())
                {
                    group.Cancel();
                }

                await CheckedContext.UntilCancelledAsync(ct);
            });
            _ = group.Spawn(async ct =>
            {
                // Queued: it must start with a cancelled token (the checker checks it when its code starts).
                ct.ThrowIfCancellationRequested();
                await CheckedContext.UntilCancelledAsync(ct);
            });
            _ = group.Spawn(CheckedContext.UntilCancelledAsync);
            await ctx.YieldSomeAsync();
            group.Cancel();
        });
    }

    // ---------------------------------------------------------------------------------------------
    // FailFast = false (supervisor mode).
    // ---------------------------------------------------------------------------------------------

    private static async Task SuperviseSiblingsRun(CheckedContext ctx)
    {
        var first = new PlantedFailureException("first supervised failure");
        var second = new PlantedFailureException("second supervised failure");
        bool siblingSawCancel = false;
        bool bodySawCancel = false;
        Task run = await ctx.RunFeatureGroupAsync(new TaskGroupOptions { FailFast = false }, async group =>
        {
            Task one = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync();
                throw first;
            });
            _ = group.Spawn(async ct =>
            {
                await Quietly(one); // after the first failure
                await ctx.YieldSomeAsync();
                throw second;
            });
            _ = group.Spawn(async ct =>
            {
                for (int i = 0; i < 4; i++)
                {
                    await Task.Yield();
                    siblingSawCancel |= ct.IsCancellationRequested;
                }
            });
            await ctx.YieldSomeAsync(4);
            bodySawCancel = group.Token.IsCancellationRequested;
        });
        ctx.CheckFeature(!siblingSawCancel, FeatureRule.Supervise, "a sibling of a failed child saw its token cancelled in supervisor mode");
        ctx.CheckFeature(!bodySawCancel, FeatureRule.Supervise, "the body saw the group's token cancelled after a child failed in supervisor mode");
        ctx.CheckFeature(
            run.IsFaulted && run.Exception!.InnerException is AggregateException reported
                && reported.InnerExceptions.Count == 2 && reported.InnerExceptions.Contains(first) && reported.InnerExceptions.Contains(second),
            FeatureRule.Supervise,
            $"a supervised group with two failures ended {run.Status}" + (run.IsFaulted ? $" reporting {(run.Exception!.InnerException as AggregateException)?.InnerExceptions.Count ?? 0} failure(s)" : string.Empty) + ", not exactly both");
    }

    private static async Task SuperviseStillCancels(CheckedContext ctx)
    {
        int cause = ctx.Next(3); // 0: Cancel(), 1: the caller's token, 2: the deadline
        VirtualClock? clock = cause == 2 ? ctx.StartClock(Tick) : null;
        using var caller = new CancellationTokenSource();
        var options = new TaskGroupOptions { FailFast = false, Timeout = cause == 2 ? Deadline : null };
        Task run = await ctx.RunFeatureGroupAsync(options, group =>
        {
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync();
                throw new PlantedFailureException("supervised failure");
            });
            _ = group.Spawn(CheckedContext.UntilCancelledAsync);
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync();
                if (cause == 0)
                {
                    group.Cancel();
                }
                else if (cause == 1)
                {
                    ctx.Log("cancels the caller's token", TimelineEntryKind.CancelCalled);
                    caller.Cancel();
                }
            });
            return Task.CompletedTask;
        }, caller.Token, clock);
        if (clock is not null)
        {
            await clock.StopAsync();
        }

        // A hang (the waiting child never cancelled) is reported by Coyote; the failure is still reported.
        ctx.Check(run.IsFaulted && run.Exception!.InnerException is TaskGroupException, 5, $"a supervised group with a failure ended {run.Status}");
    }

    // ---------------------------------------------------------------------------------------------
    // StartAsync (Trio's nursery.start).
    // ---------------------------------------------------------------------------------------------

    private static async Task StartHandshake(CheckedContext ctx)
    {
        int shape = ctx.Next(4); // 0: started (twice); 1: fails before started; 2: ends without started; 3: fails after started
        var early = new PlantedFailureException("fails before started");
        var late = new PlantedFailureException("fails after started");
        Task<int>? start = null;
        bool secondStartedThrew = false;
        Task run = await ctx.RunFeatureGroupAsync(new TaskGroupOptions(), async group =>
        {
            _ = group.Spawn(async _ => await ctx.YieldSomeAsync());
            start = group.StartAsync<int>(async (started, ct) =>
            {
                await ctx.YieldSomeAsync();
                switch (shape)
                {
                    case 1:
                        throw early;
                    case 2:
                        return;
                }

                started(42);
                if (shape == 0)
                {
                    try
                    {
                        started(43);
                    }
                    catch (InvalidOperationException)
                    {
                        secondStartedThrew = true;
                    }
                }

                await ctx.YieldSomeAsync();
                if (shape == 3)
                {
                    throw late;
                }
            });
            try
            {
                await start;
            }
            catch (Exception)
            {
                // Checked below.
            }
        });

        switch (shape)
        {
            case 0:
                ctx.CheckFeature(start!.Status == TaskStatus.RanToCompletion && start.Result == 42, FeatureRule.Start, $"StartAsync ended {start.Status}, not with the value passed to started");
                ctx.CheckFeature(secondStartedThrew, FeatureRule.Start, "calling started twice did not throw InvalidOperationException in the child");
                ctx.Check(run.Status == TaskStatus.RanToCompletion, 5, $"a group whose started child succeeded ended {run.Status}");
                break;
            case 1:
                ctx.CheckFeature(start!.IsFaulted && start.Exception!.InnerExceptions.Contains(early), FeatureRule.Start, $"a failure before started did not come out of StartAsync (it ended {start.Status})");
                break;
            case 2:
                ctx.CheckFeature(start!.IsFaulted && start.Exception!.InnerException is InvalidOperationException, FeatureRule.Start, $"a child that ended without started made StartAsync end {start.Status}, not with InvalidOperationException");
                ctx.Check(run.Status == TaskStatus.RanToCompletion, 5, $"a child that ended without started made the group end {run.Status}");
                break;
            default:
                ctx.CheckFeature(start!.Status == TaskStatus.RanToCompletion, FeatureRule.Start, $"StartAsync ended {start.Status} although started was called");
                ctx.Check(run.IsFaulted && run.Exception!.InnerException is AggregateException a && a.InnerExceptions.Contains(late), 5, $"a failure after started did not fail the group (it ended {run.Status})");
                break;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Cancel reasons.
    // ---------------------------------------------------------------------------------------------

    private static async Task CancelReasonFirstWins(CheckedContext ctx)
    {
        // The causes in the order their calls began; snapshotted when the token is first cancelled.
        // The reason must be one of the causes begun by then (the first request wins, and a request
        // may be overtaken inside the group before it cancels the token), never a later one.
        var begun = new List<string>();
        string[]? begunAtCancel = null;
        using var caller = new CancellationTokenSource();
        bool failureRaced = ctx.Chance();
        IFeatureScope? scope = null;
        CancellationTokenRegistration registration = default;
        Task outsider = ctx.StartTask("caller", async () =>
        {
            await ctx.YieldSomeAsync(4);
            lock (begun)
            {
                begun.Add("the caller's token was cancelled");
            }

            ctx.Log("cancels the caller's token", TimelineEntryKind.CancelCalled);
            caller.Cancel();
        });
        Task run = await ctx.RunFeatureGroupAsync(new TaskGroupOptions(), group =>
        {
            scope = group;
            registration = group.Token.UnsafeRegister(_ =>
            {
                lock (begun)
                {
                    begunAtCancel = [.. begun];
                }
            }, null);
            for (int i = 1; i <= 2; i++)
            {
                string reason = $"stopped by child {i}";
                bool fails = failureRaced && i == 2;
                _ = group.Spawn(async ct =>
                {
                    await ctx.YieldSomeAsync(4);
                    lock (begun)
                    {
                        begun.Add(fails ? "a failure" : reason);
                    }

                    if (fails)
                    {
                        throw new PlantedFailureException("disk full");
                    }

                    group.Cancel(reason);
                });
            }

            return Task.CompletedTask;
        }, caller.Token);
        await outsider;
        registration.Dispose();
        string? reasonSeen = scope!.CancellationReason;
        bool Matches(string cause) => cause == "a failure"
            ? reasonSeen is not null && reasonSeen.StartsWith("child ", StringComparison.Ordinal) && reasonSeen.EndsWith(" failed: PlantedFailureException: disk full", StringComparison.Ordinal)
            : reasonSeen == cause;
        bool ok = begunAtCancel is null ? reasonSeen is null : begunAtCancel.Any(Matches);
        ctx.CheckFeature(ok, FeatureRule.CancelReason,
            $"CancellationReason is \"{reasonSeen}\" but the causes begun before the token was first cancelled were: {(begunAtCancel is null ? "none" : string.Join("; ", begunAtCancel))}");
    }

    // ---------------------------------------------------------------------------------------------
    // Shielded cleanup.
    // ---------------------------------------------------------------------------------------------

    private static async Task ShieldCleanupRuns(CheckedContext ctx)
    {
        bool awaited = ctx.Chance();
        bool cleanedUp = false;
        bool cleanupSawCancel = false;
        Task run = await ctx.RunFeatureGroupAsync(new TaskGroupOptions(), group =>
        {
            _ = group.Spawn(async ct =>
            {
                try
                {
                    await CheckedContext.UntilCancelledAsync(ct);
                }
                finally
                {
                    Task cleanup = group.ShieldAsync(async shielded =>
                    {
                        // Long enough that a group which does not wait for it completes first on most schedules (explore of this
                        // scenario alone needed about 80 schedules to catch shield-not-awaited with 8 yields; with 20, 1-5).
                        for (int i = 0; i < 20; i++)
                        {
                            await Task.Yield();
                            cleanupSawCancel |= shielded.IsCancellationRequested;
                        }

                        cleanedUp = true;
                    }, Timeout.InfiniteTimeSpan);
                    if (awaited)
                    {
                        await cleanup;
                    }
                }
            });
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync();
                group.Cancel();
            });
            return Task.CompletedTask;
        });
        ctx.CheckFeature(cleanedUp, FeatureRule.Shield, $"the group ended {run.Status} before its shielded cleanup ran to its end" + (awaited ? string.Empty : " (not awaited by the child)"));
        ctx.CheckFeature(!cleanupSawCancel, FeatureRule.Shield, "the shielded cleanup saw its token cancelled by the group's cancellation");
        ctx.Check(run.Status == TaskStatus.RanToCompletion, 3, $"a group that cancelled itself ended {run.Status}");
    }

    private static async Task ShieldGraceBounds(CheckedContext ctx)
    {
        VirtualClock clock = ctx.StartClock(Tick);
        TimeSpan grace = TimeSpan.FromSeconds(5);
        TimeSpan shieldStarted = TimeSpan.Zero;
        TimeSpan? shieldCancelledAt = null;
        Task run = await ctx.RunFeatureGroupAsync(new TaskGroupOptions(), group =>
        {
            _ = group.Spawn(async ct =>
            {
                try
                {
                    await CheckedContext.UntilCancelledAsync(ct);
                }
                finally
                {
                    shieldStarted = clock.Elapsed;
                    await group.ShieldAsync(async shielded =>
                    {
                        try
                        {
                            await CheckedContext.UntilCancelledAsync(shielded); // a cleanup that hangs
                        }
                        finally
                        {
                            shieldCancelledAt = clock.Elapsed;
                        }
                    }, grace);
                }
            });
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync();
                group.Cancel();
            });
            return Task.CompletedTask;
        }, clock: clock);
        await clock.StopAsync();
        ctx.CheckFeature(shieldCancelledAt is { } at && at - shieldStarted >= grace, FeatureRule.Shield,
            $"the shielded cleanup started at {shieldStarted.TotalSeconds} s was cancelled at {shieldCancelledAt?.TotalSeconds} s, before its grace period of 5 s");
        ctx.Check(run.Status == TaskStatus.RanToCompletion, 3, $"a group that cancelled itself ended {run.Status}");
    }
}
