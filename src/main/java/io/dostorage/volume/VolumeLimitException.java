package io.dostorage.volume;

/** DigitalOcean refused an attach: the droplet has as many volumes attached as DigitalOcean allows. */
public class VolumeLimitException extends CloudException {

    public VolumeLimitException(String message, String requestId, Throwable cause) {
        super(message, requestId, cause);
    }
}
