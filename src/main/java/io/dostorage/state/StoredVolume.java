package io.dostorage.state;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Collections;
import java.util.TreeMap;

/**
 * A volume as the state file keeps it.
 *
 * @param name            the volume name
 * @param options         the options it was created with, as validated strings
 * @param createdAt       when this node first recorded it
 * @param references      how many times each caller ID holds it mounted on this node (counts of 1 or more)
 * @param doId            DigitalOcean's id of the volume, null until known
 * @param region          the DigitalOcean region it lives in, null until known
 * @param createdHere     whether this plugin created the DigitalOcean volume (rather than adopting it)
 * @param attachedDroplet the droplet it was last seen or made attached to, null when detached
 */
public record StoredVolume(String name, Map<String, String> options, Instant createdAt, Map<String, Integer> references,
                           String doId, String region, boolean createdHere, Long attachedDroplet) {

    public StoredVolume {
        options = Map.copyOf(options);
        references = Collections.unmodifiableMap(new TreeMap<>(references));
    }

    /** True while some caller on this node holds it mounted. */
    public boolean referenced() {
        return !references.isEmpty();
    }

    /** How many Mounts without their Unmount there are, over all callers. */
    public int mounts() {
        return references.values().stream().mapToInt(Integer::intValue).sum();
    }

    public Optional<Long> attached() {
        return Optional.ofNullable(attachedDroplet);
    }
}
