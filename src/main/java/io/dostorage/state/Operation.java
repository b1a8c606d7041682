package io.dostorage.state;

import java.time.Instant;

/**
 * An operation in flight on a volume, as journalled.
 *
 * @param kind     what it is: create, mount, unmount, release, remove
 * @param callerId the caller ID of a mount or unmount, else null
 * @param step     the last step it completed
 */
public record Operation(String volume, String kind, String callerId, String step, Instant startedAt) {
}
