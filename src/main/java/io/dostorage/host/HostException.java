package io.dostorage.host;

/** A host operation (a device, a filesystem, a mount) failed; the message says which and why. */
public class HostException extends RuntimeException {

    public HostException(String message) {
        super(message);
    }

    public HostException(String message, Throwable cause) {
        super(message, cause);
    }
}
