using TaskGroups.Harness.Targets;

namespace TaskGroups.Harness.Scenarios;

/// <summary>
/// The built-in corpus: the seed's programs, one or more per invariant, and the shapes of known bugs
/// in other task groups. Each is checked by the <see cref="TaskGroups.Verification.InvariantChecker"/>
/// on every schedule; a scenario adds assertions only for what the checker cannot see. Reached
/// through <see cref="ScenarioRegistry.BuiltIn"/>.
/// </summary>
internal static class BuiltInScenarios
{
    /// <summary>All scenarios, in the order <c>list</c> shows them.</summary>
    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("seed-jobs-and-daemon", [2, 3, 7],
            "the seed program: two jobs and a daemon; a job cancels the whole group at a moment Coyote picks",
            SeedJobsAndDaemon),
        new("seed-caller-cancel", [3],
            "the seed program while the caller's token is cancelled at a moment Coyote picks",
            SeedCallerCancel),
        new("late-spawn-containment", [1],
            "children spawn grandchildren into the group after the body returned; all must finish first",
            LateSpawnContainment),
        new("spawn-after-cancel", [2],
            "children are spawned before, racing and after Cancel(); none may see an uncancelled token",
            SpawnAfterCancel),
        new("caller-cancel-races-cancel", [3],
            "the caller's token is cancelled before, after or racing a child's Cancel()",
            CallerCancelRacesCancel),
        new("nested-outer-cancel", [4],
            "a nested group inside a child; the outer group is cancelled while the inner one runs or cancels itself",
            NestedOuterCancel),
        new("nested-inner-cancel", [4],
            "a nested group cancels itself; the outer group must not be cancelled by it",
            NestedInnerCancel),
        new("errors-in-cleanup", [5],
            "one child fails; its siblings throw from finally while cancelled (CPython GH-95704)",
            ErrorsInCleanup),
        new("sync-throw-spawn", [5],
            "a child's delegate throws before returning a task; Spawn must not throw it",
            SyncThrowSpawn),
        new("private-timeout-is-failure", [5],
            "a child is cancelled by its own private token: a failure, never swallowed",
            PrivateTimeoutIsFailure),
        new("fail-fast", [6],
            "a child fails while siblings and the body wait on their tokens",
            FailFast),
        new("body-failure-fails-fast", [6],
            "the body fails while its children wait on their tokens: the body's failure cancels them like a child's",
            BodyFailureFailsFast),
        new("cancel-concurrent", [7],
            "the body and two children call Cancel() concurrently; Cancel() again after completion",
            CancelConcurrent),
        new("cancel-from-outside-racing-completion", [7],
            "an outsider calls Cancel() at a moment Coyote picks, racing the group's completion",
            CancelFromOutsideRacingCompletion),
        new("spawn-after-completion", [8],
            "Spawn after the group completed must throw InvalidOperationException",
            SpawnAfterCompletion),
        new("gh-155433-timeout-after-cancel", [3],
            "Cancel(), then the caller's timeout fires while a child is still cleaning up (CPython gh-155433)",
            TimeoutAfterCancel),
        new("gh-116720-nested-swallow", [4],
            "an inner group cancels itself while the parent's cancellation arrives (CPython gh-116720)",
            NestedSwallow),
        new("gh-155418-cancel-races-completion", [3, 5, 7],
            "Cancel() races a child's successful completion and another child's failure (CPython gh-155418)",
            CancelRacesCompletion),
        new("spawn-while-finishing", [1, 8],
            "an outsider and a child spawn while the group is finishing",
            SpawnWhileFinishing),
        new("bookkeeping-long-lived-caller", [9],
            "groups run one after another on one long-lived caller token; each must release its registrations on it",
            BookkeepingLongLivedCaller),
        new("registration-throws-on-cancel", [5, 7],
            "a child's token registration throws while the group cancels: a failure, and Cancel() does not throw",
            RegistrationThrowsOnCancel),
        new("gh-155418-eager-cancel", [2, 7],
            "a child cancels its group before its first await (CPython gh-155418, eager tasks)",
            EagerCancel),
        new("gh-128550-eager-failure", [6],
            "a child spawns a failing child before its first await, then waits (CPython gh-128550, eager tasks)",
            EagerFailure),
        new("anyio-685-spawn-across-groups", [4],
            "a child of an inner group spawns into the outer group; the inner group cancels itself (AnyIO #685)",
            SpawnAcrossGroups),
        new("linked-source-cancel", [3],
            "after Cancel(), a child ends with the cancellation of a source linked to its token: the group's own signal",
            LinkedSourceCancel),
        new("trysetcanceled-without-token", [3],
            "after Cancel(), a child's TaskCompletionSource is cancelled with TrySetCanceled() (no token): the group's own signal",
            TrySetCanceledWithoutToken),
        new("private-timeout-races-cancel", [5],
            "a child's private timeout fires while a sibling calls Cancel(): either outcome only in that race",
            PrivateTimeoutRacesCancel),
        new("faulted-with-cancellation", [5, 3],
            "a child's task faults with an OperationCanceledException (TaskCompletionSource.SetException) while nothing cancelled the group: a failure, not the group's signal",
            FaultedWithCancellation),
    ];


    // ---------------------------------------------------------------------------------------------
    // The seed's programs.
    // ---------------------------------------------------------------------------------------------

    private const int JobRounds = 4;

    /// <summary>job_1 / job_2: work in rounds; at a round Coyote picks (the last at the latest) cancel
    /// every task of the group and return.</summary>
    private static async Task Job(CheckedContext ctx, IGroupScope group, CancellationToken ct)
    {
        for (int round = 0; round < JobRounds; round++)
        {
            await Task.Yield(); // asyncio.sleep(1): work, and a cancellation point
            ct.ThrowIfCancellationRequested();
            if (round == JobRounds - 1 || ctx.Chance())
            {
                ctx.Log("job cancels the group");
                group.Cancel();
                return;
            }
        }
    }

    /// <summary>daemon: works until cancelled.</summary>
    private static async Task Daemon(CancellationToken ct)
    {
        await Task.Yield();
        ct.ThrowIfCancellationRequested();
        await CheckedContext.UntilCancelledAsync(ct);
    }

    /// <summary>main(): two jobs and a daemon in one group.</summary>
    private static Task SeedProgram(CheckedContext ctx, IGroupScope group)
    {
        _ = group.Spawn(ct => Job(ctx, group, ct));
        _ = group.Spawn(ct => Job(ctx, group, ct));
        _ = group.Spawn(Daemon);
        return Task.CompletedTask;
    }

    private static async Task SeedJobsAndDaemon(CheckedContext ctx)
    {
        Task run = await ctx.RunGroupAsync(group => SeedProgram(ctx, group));
        ctx.Check(run.Status == TaskStatus.RanToCompletion, 3, $"the seed program ended {run.Status}; a group that cancelled itself must end quietly");
    }

    private static async Task SeedCallerCancel(CheckedContext ctx)
    {
        using var caller = new CancellationTokenSource();
        Task timeout = ctx.CancelLater("caller", caller, maxYields: 6);
        Task run = await ctx.RunGroupAsync(group => SeedProgram(ctx, group), caller.Token);
        await timeout;
    }

    // ---------------------------------------------------------------------------------------------
    // One or more per invariant.
    // ---------------------------------------------------------------------------------------------

    private static async Task LateSpawnContainment(CheckedContext ctx)
    {
        bool grandchildDone = false;
        Task run = await ctx.RunGroupAsync(group =>
        {
            _ = group.Spawn(async ct1 =>
            {
                await ctx.YieldSomeAsync();
                _ = group.Spawn(async ct2 =>
                {
                    await ctx.YieldSomeAsync();
                    _ = group.Spawn(async ct3 =>
                    {
                        await ctx.YieldSomeAsync();
                        grandchildDone = true;
                    });
                });
            });
            return Task.CompletedTask;
        });
        ctx.Check(grandchildDone, 1, "the group completed before a child spawned while it was finishing had run to its end");
    }

    private static async Task SpawnAfterCancel(CheckedContext ctx)
    {
        await ctx.RunGroupAsync(async group =>
        {
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync();
                group.Cancel();
            });
            _ = group.Spawn(async ct =>
            {
                await ctx.YieldSomeAsync();
                _ = group.Spawn(CheckedContext.UntilCancelledAsync);
                await CheckedContext.UntilCancelledAsync(ct);
            });
            await ctx.YieldSomeAsync();
            _ = group.Spawn(CheckedContext.UntilCancelledAsync);
        });
    }

    private static async Task CallerCancelRacesCancel(CheckedContext ctx)
    {
        using var caller = new CancellationTokenSource();
        Task outsider = ctx.CancelLater("caller", caller, maxYields: 4);
        Task run = await ctx.RunGroupAsync(group =>
        {
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync(4);
                group.Cancel();
            });
            _ = group.Spawn(CheckedContext.UntilCancelledAsync);
            return Task.CompletedTask;
        }, caller.Token);
        await outsider;
    }

    private static async Task NestedOuterCancel(CheckedContext ctx)
    {
        Task? inner = null;
        Task outer = await ctx.RunGroupAsync(group =>
        {
            _ = group.Spawn(async ct =>
            {
                inner = await ctx.RunGroupAsync(innerGroup =>
                {
                    _ = innerGroup.Spawn(CheckedContext.UntilCancelledAsync);
                    _ = innerGroup.Spawn(async _ =>
                    {
                        await ctx.YieldSomeAsync();
                        if (ctx.Chance())
                        {
                            innerGroup.Cancel();
                        }
                    });
                    return Task.CompletedTask;
                }, ct);
                await inner; // propagate the inner outcome, as a child awaiting a nested group does
            });
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync();
                group.Cancel();
            });
            return Task.CompletedTask;
        });
        ctx.Check(outer.Status == TaskStatus.RanToCompletion, 4, $"the outer group that cancelled itself ended {outer.Status} (inner ended {inner?.Status})");
    }

    private static async Task NestedInnerCancel(CheckedContext ctx)
    {
        bool outerCancelledByInner = false;
        await ctx.RunGroupAsync(group =>
        {
            _ = group.Spawn(async ct =>
            {
                await ctx.RunGroupAsync(innerGroup =>
                {
                    _ = innerGroup.Spawn(CheckedContext.UntilCancelledAsync);
                    _ = innerGroup.Spawn(async _ =>
                    {
                        await ctx.YieldSomeAsync();
                        innerGroup.Cancel();
                    });
                    return Task.CompletedTask;
                }, ct);
                outerCancelledByInner = group.Token.IsCancellationRequested;
            });
            return Task.CompletedTask;
        });
        ctx.Check(!outerCancelledByInner, 4, "the inner group's Cancel() cancelled the outer group");
    }

    private static async Task ErrorsInCleanup(CheckedContext ctx)
    {
        await ctx.RunGroupAsync(group =>
        {
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync();
                throw new PlantedFailureException("child 1 failed");
            });
            for (int i = 2; i <= 3; i++)
            {
                int child = i;
                _ = group.Spawn(async ct =>
                {
                    try
                    {
                        await CheckedContext.UntilCancelledAsync(ct);
                    }
                    finally
                    {
                        await Task.Yield(); // cleanup that awaits
                        throw new PlantedFailureException($"child {child} failed in cleanup");
                    }
                });
            }

            return Task.CompletedTask;
        });
    }

    private static async Task SyncThrowSpawn(CheckedContext ctx)
    {
        await ctx.RunGroupAsync(async group =>
        {
            _ = group.Spawn(CheckedContext.UntilCancelledAsync);
            await ctx.YieldSomeAsync();
            _ = group.Spawn(_ => throw new PlantedFailureException("delegate threw synchronously"));
        });
    }

    private static async Task PrivateTimeoutIsFailure(CheckedContext ctx)
    {
        await ctx.RunGroupAsync(group =>
        {
            _ = group.Spawn(async _ =>
            {
                using var privateTimeout = new CancellationTokenSource();
                await ctx.YieldSomeAsync();
                privateTimeout.Cancel();
                privateTimeout.Token.ThrowIfCancellationRequested();
            });
            _ = group.Spawn(async ct =>
            {
                await ctx.YieldSomeAsync();
                if (ctx.Chance())
                {
                    await CheckedContext.UntilCancelledAsync(ct);
                }
            });
            return Task.CompletedTask;
        });
    }

    private static async Task FailFast(CheckedContext ctx)
    {
        await ctx.RunGroupAsync(async group =>
        {
            _ = group.Spawn(CheckedContext.UntilCancelledAsync);
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync();
                throw new PlantedFailureException("first failure");
            });
            _ = group.Spawn(CheckedContext.UntilCancelledAsync);
            await CheckedContext.UntilCancelledAsync(group.Token);
        });
    }

    /// <summary>Invariant 6 for the body: a group whose body throws must cancel its children (only a
    /// supervised group spares them from a child's failure, never from the body's).</summary>
    private static async Task BodyFailureFailsFast(CheckedContext ctx)
    {
        await ctx.RunGroupAsync(async group =>
        {
            _ = group.Spawn(CheckedContext.UntilCancelledAsync);
            _ = group.Spawn(async ct =>
            {
                await ctx.YieldSomeAsync();
                await CheckedContext.UntilCancelledAsync(ct);
            });
            await ctx.YieldSomeAsync();
            throw new PlantedFailureException("the body's failure");
        });
    }

    private static async Task CancelConcurrent(CheckedContext ctx)
    {
        IGroupScope? scope = null;
        await ctx.RunGroupAsync(async group =>
        {
            scope = group;
            for (int i = 0; i < 2; i++)
            {
                _ = group.Spawn(async ct =>
                {
                    await ctx.YieldSomeAsync();
                    group.Cancel();
                    await CheckedContext.UntilCancelledAsync(ct);
                });
            }

            _ = group.Spawn(CheckedContext.UntilCancelledAsync);
            await ctx.YieldSomeAsync();
            group.Cancel();
        });
        scope!.Cancel(); // after completion: a no-op that must not throw
    }

    private static async Task CancelFromOutsideRacingCompletion(CheckedContext ctx)
    {
        var scopeReady = new TaskCompletionSource<IGroupScope>();
        Task outsider = ctx.StartTask("outsider", async () =>
        {
            IGroupScope scope = await scopeReady.Task;
            await ctx.YieldSomeAsync(4);
            scope.Cancel(); // before, during or after the group's completion
        });
        await ctx.RunGroupAsync(group =>
        {
            scopeReady.TrySetResult(group);
            _ = group.Spawn(async _ => await ctx.YieldSomeAsync());
            _ = group.Spawn(async ct =>
            {
                await ctx.YieldSomeAsync();
                if (ctx.Chance())
                {
                    await CheckedContext.UntilCancelledAsync(ct); // only the outsider ends this one
                }
            });
            return Task.CompletedTask;
        });
        await outsider;
    }

    private static async Task SpawnAfterCompletion(CheckedContext ctx)
    {
        IGroupScope? scope = null;
        await ctx.RunGroupAsync(group =>
        {
            scope = group;
            _ = group.Spawn(async _ => await ctx.YieldSomeAsync());
            return Task.CompletedTask;
        });
        try
        {
            _ = scope!.Spawn(_ => Task.CompletedTask);
        }
        catch (InvalidOperationException)
        {
            // expected; anything else was reported by the checker
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Shapes of known bugs in other task groups.
    // ---------------------------------------------------------------------------------------------

    private static async Task TimeoutAfterCancel(CheckedContext ctx)
    {
        using var caller = new CancellationTokenSource();
        var cancelled = new TaskCompletionSource();
        Task timeout = ctx.StartTask("caller-timeout", async () =>
        {
            await cancelled.Task;
            await ctx.YieldSomeAsync(2);
            caller.Cancel(); // the outer timeout fires while the group is winding down
        });
        Task run = await ctx.RunGroupAsync(group =>
        {
            _ = group.Spawn(async ct =>
            {
                try
                {
                    await CheckedContext.UntilCancelledAsync(ct);
                }
                finally
                {
                    // ignores cancellation for a while: cleanup that takes a few steps
                    for (int i = 0; i < 3; i++)
                    {
                        await Task.Yield();
                    }
                }
            });
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync();
                group.Cancel();
                cancelled.TrySetResult();
            });
            return Task.CompletedTask;
        }, caller.Token);
        cancelled.TrySetResult();
        await timeout;
    }

    private static async Task NestedSwallow(CheckedContext ctx)
    {
        using var caller = new CancellationTokenSource();
        Task outsider = ctx.CancelLater("parent-cancel", caller, maxYields: 4);
        Task outer = await ctx.RunGroupAsync(async group =>
        {
            Task inner = await ctx.RunGroupAsync(innerGroup =>
            {
                _ = innerGroup.Spawn(CheckedContext.UntilCancelledAsync);
                _ = innerGroup.Spawn(async _ =>
                {
                    await ctx.YieldSomeAsync(2);
                    innerGroup.Cancel();
                });
                return Task.CompletedTask;
            }, group.Token);
            await inner;
            await CheckedContext.UntilCancelledAsync(group.Token); // the parent keeps waiting
        }, caller.Token);
        await outsider;
    }

    private static async Task CancelRacesCompletion(CheckedContext ctx)
    {
        await ctx.RunGroupAsync(group =>
        {
            _ = group.Spawn(async _ => await ctx.YieldSomeAsync());
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync();
                group.Cancel();
            });
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync();
                if (ctx.Chance())
                {
                    throw new PlantedFailureException("failed while the group was being cancelled");
                }
            });
            return Task.CompletedTask;
        });
    }

    private static async Task SpawnWhileFinishing(CheckedContext ctx)
    {
        var scopeReady = new TaskCompletionSource<IGroupScope>();
        Task outsider = ctx.StartTask("outsider", async () =>
        {
            IGroupScope scope = await scopeReady.Task;
            await ctx.YieldSomeAsync(4);
            try
            {
                _ = scope.Spawn(async _ => await ctx.YieldSomeAsync(1));
            }
            catch (InvalidOperationException)
            {
                // the group had finished: allowed, and checked by the checker
            }
        });
        await ctx.RunGroupAsync(group =>
        {
            scopeReady.TrySetResult(group);
            _ = group.Spawn(async ct =>
            {
                await ctx.YieldSomeAsync();
                _ = group.Spawn(async ct2 => await ctx.YieldSomeAsync(1));
            });
            return Task.CompletedTask;
        });
        await outsider;
    }

    // ---------------------------------------------------------------------------------------------
    // Bookkeeping, registrations, eager children, nesting across groups, the second own-signal rule.
    // ---------------------------------------------------------------------------------------------

    private static async Task BookkeepingLongLivedCaller(CheckedContext ctx)
    {
        using var appLifetime = new CancellationTokenSource(); // never cancelled: lives longer than every group
        int before = CallerRegistrations.Count(appLifetime);
        for (int round = 1; round <= 3; round++)
        {
            int r = round;
            Task run = await ctx.RunGroupAsync(group =>
            {
                _ = group.Spawn(async _ => await ctx.YieldSomeAsync());
                _ = group.Spawn(async ct =>
                {
                    await ctx.YieldSomeAsync();
                    if (r == 2)
                    {
                        group.Cancel();
                    }
                    else if (r == 3)
                    {
                        throw new PlantedFailureException("a child failed");
                    }

                    await CheckedContext.UntilCancelledAsync(ct);
                });
                _ = group.Spawn(CheckedContext.UntilCancelledAsync);
                if (r == 1)
                {
                    group.Cancel();
                }

                return Task.CompletedTask;
            }, appLifetime.Token);
            int after = CallerRegistrations.Count(appLifetime);
            ctx.Check(after <= before, 9,
                $"round {r}: the group ended {run.Status} but left {after - before} registration(s) on its caller's long-lived token (memory grows with every group)");
        }
    }

    private static async Task RegistrationThrowsOnCancel(CheckedContext ctx)
    {
        PlantedFailureException? thrown = null;
        Task run = await ctx.RunGroupAsync(group =>
        {
            _ = group.Spawn(CheckedContext.UntilCancelledAsync);
            _ = group.Spawn(async ct =>
            {
                // Registered after the sibling's wake-up, so it runs first (registrations run last-in
                // first-out) and cannot be unregistered by a child that already left.
                _ = ct.Register(() =>
                {
                    thrown = new PlantedFailureException("a token registration threw");
                    CheckedRun.ExpectFailure(group, thrown);
                    throw thrown;
                });
                await ctx.YieldSomeAsync();
                group.Cancel();
            });
            return Task.CompletedTask;
        });
        ctx.Check(thrown is not null, 5, "the group's Cancel() did not run the token registration of a running child");
        ctx.Check(run.IsFaulted, 5, $"a token registration threw while the group cancelled, but the group ended {run.Status}");
    }

    private static async Task EagerCancel(CheckedContext ctx)
    {
        await ctx.RunGroupAsync(group =>
        {
            _ = group.Spawn(CheckedContext.UntilCancelledAsync);
            _ = group.Spawn(ct =>
            {
                group.Cancel(); // before the child's first await
                return CheckedContext.UntilCancelledAsync(ct);
            });
            return Task.CompletedTask;
        });
    }

    private static async Task EagerFailure(CheckedContext ctx)
    {
        await ctx.RunGroupAsync(group =>
        {
            _ = group.Spawn(ct =>
            {
                _ = group.Spawn(grandchildToken => Task.FromException(new PlantedFailureException("third task failed")));
                return CheckedContext.UntilCancelledAsync(ct); // waits for the cancellation the failure brings
            });
            return Task.CompletedTask;
        });
    }

    private static async Task SpawnAcrossGroups(CheckedContext ctx)
    {
        await ctx.RunGroupAsync(outer =>
        {
            _ = outer.Spawn(async outerToken =>
            {
                Task inner = await ctx.RunGroupAsync(innerGroup =>
                {
                    _ = innerGroup.Spawn(async innerToken =>
                    {
                        await ctx.YieldSomeAsync(1);
                        _ = outer.Spawn(CheckedContext.UntilCancelledAsync); // started into the outer group from here
                        await ctx.YieldSomeAsync(1);
                        innerGroup.Cancel();
                    });
                    return Task.CompletedTask;
                }, outer.Token);
                await ctx.YieldSomeAsync(2);
                ctx.Check(!outer.Token.IsCancellationRequested, 4,
                    $"the inner group's Cancel() cancelled the outer group (through a child the inner group's task spawned into it; inner ended {inner.Status})");
                outer.Cancel(); // done: let the outer group's children go
            });
            return Task.CompletedTask;
        });
    }

    private static async Task LinkedSourceCancel(CheckedContext ctx)
    {
        Task run = await ctx.RunGroupAsync(group =>
        {
            _ = group.Spawn(async ct =>
            {
                using var perOperation = CancellationTokenSource.CreateLinkedTokenSource(ct);
                await CheckedContext.UntilCancelledAsync(perOperation.Token); // throws for the linked token
            });
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync();
                group.Cancel();
            });
            return Task.CompletedTask;
        });
        ctx.Check(run.Status == TaskStatus.RanToCompletion, 3,
            $"the group cancelled itself and a child ended with a linked source's cancellation (its own signal), but the group ended {run.Status}");
    }

    private static async Task TrySetCanceledWithoutToken(CheckedContext ctx)
    {
        Task run = await ctx.RunGroupAsync(group =>
        {
            _ = group.Spawn(async ct =>
            {
                var pending = new TaskCompletionSource();
                using (ct.Register(() => pending.TrySetCanceled()))
                {
                    await pending.Task; // TaskCanceledException with no token
                }
            });
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync();
                group.Cancel();
            });
            return Task.CompletedTask;
        });
        ctx.Check(run.Status == TaskStatus.RanToCompletion, 3,
            $"the group cancelled itself and a child ended with TrySetCanceled() (its own signal), but the group ended {run.Status}");
    }

    private static async Task FaultedWithCancellation(CheckedContext ctx)
    {
        var planted = new OperationCanceledException("a faulted task that carries a cancellation");
        Task run = await ctx.RunGroupAsync(group =>
        {
            var source = new TaskCompletionSource();
            _ = group.Spawn(_ => source.Task); // the child's task is the source's: Faulted, not Canceled
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync();
                source.SetException(planted);
            });
            return Task.CompletedTask;
        });
        ctx.Check(run.IsFaulted && Reaches(run.Exception!, planted), 5,
            $"a child faulted with an OperationCanceledException while nothing cancelled the group, but the group ended {run.Status}{(run.IsFaulted ? " without that exception" : "")}");
    }

    /// <summary>Whether <paramref name="failure"/> is <paramref name="root"/> or among its inner exceptions, at any depth.</summary>
    private static bool Reaches(Exception root, Exception failure) =>
        ReferenceEquals(root, failure) || root switch
        {
            AggregateException aggregate => aggregate.InnerExceptions.Any(inner => Reaches(inner, failure)),
            _ => root.InnerException is { } inner && Reaches(inner, failure),
        };

    private static async Task PrivateTimeoutRacesCancel(CheckedContext ctx)
    {
        bool cancelledFirst = false;
        OperationCanceledException? timeout = null;
        Task run = await ctx.RunGroupAsync(group =>
        {
            _ = group.Spawn(async ct =>
            {
                using var privateTimeout = new CancellationTokenSource();
                await ctx.YieldSomeAsync(2);
                privateTimeout.Cancel(); // the child's own deadline
                cancelledFirst = ct.IsCancellationRequested;
                timeout = new OperationCanceledException(privateTimeout.Token);
                throw timeout;
            });
            _ = group.Spawn(async _ =>
            {
                await ctx.YieldSomeAsync(2);
                group.Cancel();
            });
            return Task.CompletedTask;
        });

        // The checker allows both outcomes only because Cancel() raced the timeout; here: a timeout that
        // fired after the group's token was cancelled is the group's signal, never a failure.
        ctx.Check(!cancelledFirst || run.Status == TaskStatus.RanToCompletion, 5,
            $"the private timeout fired after the group was cancelled (its own signal), but the group ended {run.Status}");
        ctx.Check(run.Status != TaskStatus.Faulted || run.Exception!.Flatten().InnerExceptions.All(e => ReferenceEquals(e, timeout)), 5,
            "the group failed with something other than the private timeout");
    }
}
