using Jamdeploy.Deploying;

namespace Jamdeploy.Core.Tests.Deploying;

/// <summary>The slots an adaptive upload limit opens and takes back while uploads run and finish.</summary>
public sealed class UploadSlotsTests
{
    /// <summary>
    /// The tail of a deploy: most uploads done and their slots free when the limit shrinks, then grows to the ceiling.
    /// Owing the free slots instead of taking them back once opened more than the ceiling (SemaphoreFullException in a
    /// deploy on a loaded machine).
    /// </summary>
    [Fact]
    public void ShrinkWhileSlotsAreFree_ThenGrowToTheCeiling_OpensExactlyTheLimit()
    {
        using var slots = new UploadSlots(8, 16);
        Assert.True(slots.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);
        Assert.True(slots.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);

        slots.Resize(4);
        slots.Resize(16);

        Assert.Equal(16 - 2, slots.Free);
        slots.Release();
        slots.Release();
        Assert.Equal(16, slots.Free);
    }

    [Fact]
    public void ShrinkWhileEverySlotIsInUse_TakesThemBackAsTheyFree()
    {
        using var slots = new UploadSlots(4, 16);
        for (var i = 0; i < 4; i++) Assert.True(slots.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);

        slots.Resize(2);
        for (var i = 0; i < 4; i++) slots.Release();

        Assert.Equal(2, slots.Free);
    }

    /// <summary>Any order of takes, frees, shrinks and grows: in use plus free is the limit once the owed slots free.</summary>
    [Fact]
    public void AnySequence_InUseAndFreeComeToTheLimit_NeverMore()
    {
        var random = new Random(16);
        for (var round = 0; round < 200; round++)
        {
            using var slots = new UploadSlots(8, 32);
            var inUse = 0;
            var limit = 8;
            for (var step = 0; step < 100; step++)
            {
                switch (random.Next(3))
                {
                    case 0 when slots.Free > 0:
                        Assert.True(slots.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);
                        inUse++;
                        break;
                    case 1 when inUse > 0:
                        slots.Release();
                        inUse--;
                        break;
                    case 2:
                        limit = random.Next(1, 33);
                        slots.Resize(limit);
                        break;
                }
                Assert.True(slots.Free <= limit, $"round {round}, step {step}: {slots.Free} free over a limit of {limit}");
            }
            for (; inUse > 0; inUse--) slots.Release();
            Assert.Equal(limit, slots.Free);
        }
    }
}
