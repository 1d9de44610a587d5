namespace Jamdeploy.Storage;

/// <summary>
/// An optional capability of a store whose objects are files on this machine: the edge hands such a
/// file to the server's send-file path instead of copying it through a stream.
/// </summary>
public interface ILocalFileAccess
{
    /// <summary>The full path of the file that holds the object, or null when the store has no such object.</summary>
    string? LocalPathOf(string key);
}
