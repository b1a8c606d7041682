package io.dostorage.volume;

import java.time.Instant;

/**
 * An attach or detach that DigitalOcean carries out after accepting it; only polling tells how it
 * ended.
 *
 * @param type      DigitalOcean's name for it ({@code attach_volume}, {@code detach_volume}), for messages
 * @param startedAt when DigitalOcean started it, or null when it did not say
 */
public record CloudAction(long id, String type, Status status, Instant startedAt) {

    public enum Status { IN_PROGRESS, COMPLETED, ERRORED }
}
