package io.dostorage.volume;

import java.util.List;

/** DigitalOcean refused an attach because another droplet holds the volume (a volume has one droplet at a time). */
public class AttachedElsewhereException extends CloudException {

    private final List<Long> holders;

    public AttachedElsewhereException(String message, List<Long> holders, String requestId, Throwable cause) {
        super(message, requestId, cause);
        this.holders = List.copyOf(holders);
    }

    /** The droplets DigitalOcean reported the volume attached to when it refused. */
    public List<Long> holders() {
        return holders;
    }
}
