namespace Jamdeploy.Storage;

/// <summary>
/// A store whose objects are files on this machine (the local store). serve hands such a file to the kernel
/// (sendfile) instead of copying its bytes through memory; a store without this capability is read as a stream.
/// </summary>
public interface ILocalObjectFiles
{
    /// <summary>Where the object's file is (it may not exist: the caller opens it and handles a missing file).</summary>
    string FilePath(string key);
}
