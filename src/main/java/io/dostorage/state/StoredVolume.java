package io.dostorage.state;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * A volume as the state file keeps it.
 *
 * @param name       the volume name
 * @param options    the options it was created with, as validated strings
 * @param createdAt  when this node first recorded it
 * @param references the caller IDs that hold it mounted on this node
 */
public record StoredVolume(String name, Map<String, String> options, Instant createdAt, Set<String> references) {

    public StoredVolume {
        options = Map.copyOf(options);
        references = Set.copyOf(references);
    }
}
