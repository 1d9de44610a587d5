// Most of these tests wait on something else: a jamdeploy process, moto, a server over a socket. Two test
// classes at a time (xunit's default, one per core) left the cores idle while both waited; four keeps them
// busy without starving the processes the tests start.
[assembly: CollectionBehavior(MaxParallelThreads = 4)]
