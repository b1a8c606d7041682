package io.dostorage.volume;

import java.util.List;

/** What to create: {@code snapshotId} and {@code description} may be null. */
public record NewVolume(String name, int sizeGib, String region, String description, String snapshotId, List<String> tags) {

    public NewVolume {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }
}
