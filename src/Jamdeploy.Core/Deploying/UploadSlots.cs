namespace Jamdeploy.Deploying;

/// <summary>
/// The slots uploads run in, as many as the limit (<see cref="UploadConcurrency"/>), which may grow and shrink while
/// they run. A shrink takes free slots back at once; a slot in use that it still owes is taken back when it frees. A
/// grow first forgives what is still owed, then opens new slots. So the slots in use, free and owed always come to the
/// limit, and what is owed never exceeds what is in use: the free ones never outnumber the limit.
/// </summary>
internal sealed class UploadSlots : IDisposable
{
    private readonly SemaphoreSlim _free;
    private readonly Lock _lock = new();
    private int _limit;
    private int _owed;

    public UploadSlots(int limit, int ceiling)
    {
        _free = new SemaphoreSlim(limit, ceiling);
        _limit = limit;
    }

    /// <summary>The slots free now (a test's view).</summary>
    public int Free => _free.CurrentCount;

    public Task WaitAsync(CancellationToken cancellationToken) => _free.WaitAsync(cancellationToken);

    /// <summary>Gives back a slot taken by <see cref="WaitAsync"/>, or keeps it when a shrink still owes one.</summary>
    public void Release()
    {
        lock (_lock)
        {
            if (_owed > 0) _owed--;
            else _free.Release();
        }
    }

    public void Resize(int limit)
    {
        lock (_lock)
        {
            if (limit > _limit)
            {
                var forgiven = Math.Min(_owed, limit - _limit);
                _owed -= forgiven;
                if (limit - _limit - forgiven > 0) _free.Release(limit - _limit - forgiven);
            }
            else
            {
                // A free slot is taken back now; owing one that is free would let a later grow open more than the limit.
                var excess = _limit - limit;
                while (excess > 0 && _free.Wait(0)) excess--;
                _owed += excess;
            }
            _limit = limit;
        }
    }

    public void Dispose() => _free.Dispose();
}
