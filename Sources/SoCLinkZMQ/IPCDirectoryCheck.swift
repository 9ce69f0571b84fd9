#if canImport(Glibc)
    import Glibc
#endif

/// Whether an `ipc://` endpoint lives where only its owner can reach it.
///
/// A Unix socket can be connected to by anyone who can search its directory and write the socket,
/// and libzmq creates it with the process's umask (usually world-connectable). So the socket's
/// directory is the access control: it must belong to the current user and be closed to group and
/// others (`mode & 077 == 0`, as `mkdtemp` and `mkdir -m 700` make it). Linux's abstract sockets
/// (`ipc://@name`) have no permissions at all.
public enum IPCDirectoryCheck {
    /// The reason `endpoint` is not private, as one line with the fix; `nil` when it is private,
    /// when it is not `ipc://`, or when its directory does not exist (the bind reports that).
    public static func problem(endpoint: String, userID: uid_t = geteuid()) -> String? {
        guard endpoint.hasPrefix("ipc://") else { return nil }
        let path = String(endpoint.dropFirst("ipc://".count))
        let fix = "use a private directory (mkdir -m 700) or pass --allow-shared-ipc-dir"
        if path.hasPrefix("@") {
            return "ipc endpoint \(endpoint) is an abstract socket, which any local user can connect to: \(fix)"
        }
        let directory = directoryName(of: path)
        var info = stat()
        guard stat(directory, &info) == 0 else { return nil }
        if info.st_uid != userID {
            return "ipc directory \(directory) belongs to uid \(info.st_uid), not to this user (uid \(userID)): \(fix)"
        }
        let mode = info.st_mode & 0o7777  // with the sticky bit, so /tmp shows as 1777
        if mode & 0o077 != 0 {
            return "ipc directory \(directory) is accessible by other users (mode \(LinkKeyFile.octal(mode))): \(fix)"
        }
        return nil
    }

    /// The directory part of a path (the working directory for a bare name, "/" for a file in the root).
    static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else {
            // Named in full so the refusal line says which directory to fix.
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            guard getcwd(&buffer, buffer.count) != nil else { return "." }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }
}
