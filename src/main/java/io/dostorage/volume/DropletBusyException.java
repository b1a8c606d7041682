package io.dostorage.volume;

/**
 * DigitalOcean refused to start an attach or detach because another action still runs on the
 * droplet or the volume ("pending event"); the same request succeeds once that one is done.
 */
public class DropletBusyException extends CloudException {

    public DropletBusyException(String message, String requestId, Throwable cause) {
        super(message, requestId, cause);
    }
}
