using Jamdeploy.TestSupport;

// The long test classes first, so the short ones fill the end of the run (TestSupport/LongestFirst.cs).
[assembly: TestCollectionOrderer(LongestFirstOrderer.TypeName, LongestFirstOrderer.AssemblyName)]
