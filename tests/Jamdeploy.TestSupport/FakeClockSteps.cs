using Microsoft.Extensions.Time.Testing;

namespace Jamdeploy.TestSupport;

/// <summary>Lets a party that sleeps on the fake clock's timers (a waiter for the store lease) go on, with no real time passing.</summary>
public static class FakeClockSteps
{
    /// <summary>
    /// Moves <paramref name="clock"/> on by <paramref name="step"/> until <paramref name="task"/> is done, running
    /// <paramref name="beforeEachStep"/> first each time (a holder that keeps its lease while the clock moves).
    /// How fast the task runs decides nothing: a step taken before it slept on a timer is followed by another.
    /// </summary>
    public static async Task AdvanceUntilDoneAsync(this FakeTimeProvider clock, Task task, TimeSpan step, Func<Task>? beforeEachStep = null)
    {
        while (!task.IsCompleted)
        {
            if (beforeEachStep is not null) await beforeEachStep();
            clock.Advance(step);
            // Only lets the task run what the step woke; no outcome depends on how long this takes.
            await Task.WhenAny(task, Task.Delay(TimeSpan.FromMilliseconds(1)));
        }
    }
}
