namespace Jamdeploy;

/// <summary>The exit codes of every command, as DESIGN.md lists them.</summary>
public static class ExitCodes
{
    public const int Done = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int InvalidationFailed = 3;
    public const int Conflict = 4;
    public const int Cancelled = 130;
}
