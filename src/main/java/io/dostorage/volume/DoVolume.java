package io.dostorage.volume;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A DigitalOcean volume as the rules need it.
 *
 * @param dropletIds     the droplets it is attached to: at most one, as DO allows
 * @param filesystemType the filesystem DO says it was created with, or null
 * @param createdAt      when DO created it, or null when DO did not say
 */
public record DoVolume(String id, String name, String region, int sizeGib, List<Long> dropletIds, String description,
                       List<String> tags, String filesystemType, Instant createdAt) {

    public DoVolume {
        dropletIds = dropletIds == null ? List.of() : List.copyOf(dropletIds);
        tags = tags == null ? List.of() : List.copyOf(tags);
    }

    public boolean isAttachedTo(long dropletId) {
        return dropletIds.contains(dropletId);
    }

    /** The same volume, attached to {@code droplets} instead. */
    public DoVolume withDroplets(List<Long> droplets) {
        return new DoVolume(id, name, region, sizeGib, droplets, description, tags, filesystemType, createdAt);
    }

    /** The same volume, with {@code more} tags. */
    DoVolume withTags(List<String> more) {
        List<String> all = new ArrayList<>(tags);
        all.addAll(more);
        return new DoVolume(id, name, region, sizeGib, dropletIds, description, all, filesystemType, createdAt);
    }
}
