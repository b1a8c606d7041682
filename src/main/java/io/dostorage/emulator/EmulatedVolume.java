package io.dostorage.emulator;

import java.util.List;

/**
 * A volume as the emulator holds it, for tests to inspect.
 *
 * @param dropletIds the droplets it is attached to (DO allows at most one); an attach counts only once its action completed
 * @param snapshotId the snapshot it was created from, null if none
 */
public record EmulatedVolume(String id, String name, String region, int sizeGigabytes, List<Long> dropletIds,
                             String description, List<String> tags, String snapshotId) {

    public EmulatedVolume {
        dropletIds = List.copyOf(dropletIds);
        tags = List.copyOf(tags);
    }
}
