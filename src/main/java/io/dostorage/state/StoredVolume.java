package io.dostorage.state;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A volume as the state file keeps it.
 *
 * @param name            the volume name
 * @param options         the options it was created with, as validated strings
 * @param createdAt       when this node first recorded it
 * @param references      the caller IDs that hold it mounted on this node
 * @param doId            DigitalOcean's id of the volume, null until known
 * @param region          the DigitalOcean region it lives in, null until known
 * @param createdHere     whether this plugin created the DigitalOcean volume (rather than adopting it)
 * @param attachedDroplet the droplet it was last seen or made attached to, null when detached
 */
public record StoredVolume(String name, Map<String, String> options, Instant createdAt, Set<String> references,
                           String doId, String region, boolean createdHere, Long attachedDroplet) {

    public StoredVolume {
        options = Map.copyOf(options);
        references = Set.copyOf(references);
    }

    public Optional<Long> attached() {
        return Optional.ofNullable(attachedDroplet);
    }
}
