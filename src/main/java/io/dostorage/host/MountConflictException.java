package io.dostorage.host;

/** The folder a volume was to be mounted at already has another filesystem mounted on it; both were left as they are. */
public class MountConflictException extends HostException {

    MountConflictException(String message) {
        super(message);
    }
}
