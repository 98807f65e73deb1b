namespace TaskGroups.Harness.Scenarios;

/// <summary>
/// The <see cref="VirtualClock"/>'s fake provider with its timers counted: a one-shot timer is armed
/// from creation (or <see cref="ITimer.Change"/>) with a finite due time until it fires or is disposed.
/// The clock advances only while one is armed.
/// </summary>
internal sealed class ClockedTimeProvider(VirtualClock clock) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => clock.Fake.GetUtcNow();

    public override long GetTimestamp() => clock.Fake.GetTimestamp();

    public override long TimestampFrequency => clock.Fake.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => clock.Fake.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new Timer(clock, callback, state, period);
        timer.Arm(dueTime, period); // before the fake timer exists: a due time of 0 fires inside CreateTimer
        timer.Inner = clock.Fake.CreateTimer(static s => ((Timer)s!).Fire(), timer, dueTime, period);
        return timer;
    }

    /// <summary>One timer: forwards to the fake one and tells the clock when it is armed.</summary>
    private sealed class Timer(VirtualClock clock, TimerCallback callback, object? callbackState, TimeSpan period) : ITimer
    {
        private readonly TaskGroups.Verification.SpinGate _gate = new();
        private bool _armed;
        private bool _disposed;
        private TimeSpan _period = period;

        public ITimer? Inner { get; set; }

        public void Arm(TimeSpan dueTime, TimeSpan newPeriod)
        {
            _period = newPeriod;
            Set(dueTime != Timeout.InfiniteTimeSpan);
        }

        public void Fire()
        {
            if (_period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero)
            {
                Set(false); // one-shot: fired
            }

            callback(callbackState);
        }

        public bool Change(TimeSpan dueTime, TimeSpan newPeriod)
        {
            Arm(dueTime, newPeriod);
            return Inner!.Change(dueTime, newPeriod);
        }

        public void Dispose()
        {
            Disarm();
            Inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Disarm();
            return Inner?.DisposeAsync() ?? ValueTask.CompletedTask;
        }

        private void Disarm()
        {
            Set(false);
            _disposed = true;
        }

        private void Set(bool armed)
        {
            bool changed;
            using (_gate.Enter())
            {
                changed = !_disposed && _armed != armed;
                _armed = armed && !_disposed;
            }

            if (changed)
            {
                clock.Armed(armed);
            }
        }
    }
}
