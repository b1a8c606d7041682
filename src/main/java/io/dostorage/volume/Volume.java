package io.dostorage.volume;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * A volume as Docker sees it.
 *
 * @param name       the volume name
 * @param mountpoint the folder handed to containers while the volume is mounted on this node, else null
 * @param createdAt  when it was created
 * @param status     details shown by {@code docker volume inspect}
 */
public record Volume(String name, Path mountpoint, Instant createdAt, Map<String, Object> status) {

    public Volume {
        status = Map.copyOf(status);
    }
}
