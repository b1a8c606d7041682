package io.dostorage.digitalocean;

import java.time.Instant;
import java.util.List;

/**
 * A DigitalOcean volume as the plugin needs it.
 *
 * @param dropletIds the droplets it is attached to: at most one, as DO allows
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

    static DoVolume of(DoWire.Volume v) {
        return new DoVolume(v.id(), v.name(), v.region() == null ? null : v.region().slug(),
                v.sizeGigabytes() == null ? 0 : v.sizeGigabytes(), v.dropletIds(), v.description(), v.tags(),
                v.filesystemType() == null || v.filesystemType().isEmpty() ? null : v.filesystemType(),
                v.createdAt() == null ? null : Instant.parse(v.createdAt()));
    }
}
