package io.dostorage.volume;

import io.dostorage.config.PluginConfig;
import io.dostorage.json.Json;
import io.dostorage.json.JsonObject;
import io.dostorage.state.StateException;
import io.dostorage.state.VolumeStore;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * DigitalOcean's volumes in this droplet's region, as a short-lived copy. dockerd asks Get and List
 * often (several Gets per container start, on every node), and DO's rate limit is shared by every
 * node of a cluster, so a volume this node does not know is looked up here: at most one DO call per
 * {@code LIST_CACHE_TTL}.
 *
 * <p>The last list DO gave is also kept in the state file. dockerd calls Get for every volume it
 * knows when it starts, and forgets the labels and options of a volume whose Get fails; so while DO
 * cannot be reached (or right after a restart during an outage) a volume seen in DO's list is still
 * answered, from the kept list. A volume this node removes is dropped from the kept list at once,
 * so that a restart does not bring it back.
 */
@ApplicationScoped
class RemoteVolumes {

    private static final Logger LOG = Logger.getLogger(RemoteVolumes.class);
    private static final String KEPT = "volumes";

    private final Cloud cloud;
    private final VolumeStore store;
    private final Duration ttl;
    private final Clock clock;
    private List<DoVolume> volumes;
    private Instant fetchedAt;
    private String keptBody;

    RemoteVolumes(Cloud cloud, VolumeStore store, PluginConfig config, Clock clock) {
        this.cloud = cloud;
        this.store = store;
        this.ttl = config.volumes().listCacheTtl();
        this.clock = clock;
    }

    /**
     * The list, fetched again once the copy is older than the TTL. When DO cannot be reached, the
     * kept list stands in for a TTL (so an outage costs one failed call per TTL, not one per Get);
     * only when nothing was ever kept does the failure reach the caller.
     */
    synchronized List<DoVolume> all() {
        Instant now = clock.instant();
        if (volumes != null && !fetchedAt.plus(ttl).isBefore(now)) {
            return volumes;
        }
        try {
            volumes = cloud.list(cloud.region());
            fetchedAt = now;
            keep(volumes, now);
            return volumes;
        } catch (CloudException e) {
            Optional<List<DoVolume>> kept = kept();
            if (kept.isEmpty()) {
                throw e;
            }
            LOG.warnf("listing DigitalOcean's volumes: %s; answering from the list DigitalOcean gave before", e.getMessage());
            volumes = kept.get();
            fetchedAt = now;
            return volumes;
        }
    }

    Optional<DoVolume> find(String name) {
        return all().stream().filter(v -> v.name().equals(name)).findFirst();
    }

    /** Forgets the copy, after this node changed what DO holds. */
    synchronized void invalidate() {
        volumes = null;
    }

    /** The volume was removed by this node: it leaves the copy and the kept list now. */
    synchronized void forget(String name) {
        volumes = null;
        kept().ifPresent(list -> keep(list.stream().filter(v -> !v.name().equals(name)).toList(), clock.instant()));
    }

    /** Writes the list to the state file, unless it is what was kept last (most lists are). */
    private void keep(List<DoVolume> list, Instant at) {
        try {
            String body = Json.write(list.stream().map(RemoteVolumes::json).toList());
            if (!body.equals(keptBody)) {
                store.keepAnswer(KEPT, body, at);
                keptBody = body;
            }
        } catch (StateException e) {
            LOG.warnf("keeping DigitalOcean's list of volumes in the state file: %s", e.getMessage());
        }
    }

    private Optional<List<DoVolume>> kept() {
        try {
            Optional<String> body = store.keptAnswer(KEPT);
            if (body.isEmpty()) {
                return Optional.empty();
            }
            keptBody = body.get();
            if (!(Json.parse(body.get()) instanceof List<?> items)) {
                throw new IllegalArgumentException("not a JSON array");
            }
            return Optional.of(items.stream().map(JsonObject::of).map(RemoteVolumes::volume).toList());
        } catch (IllegalArgumentException | java.time.DateTimeException | StateException e) {
            LOG.warnf("reading the kept list of DigitalOcean's volumes: %s", e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * A volume of the kept list: the record's components by their names, the time in ISO 8601, as
     * the kept lists of earlier versions (written by Jackson) have them, so that those read the same.
     */
    private static Object json(DoVolume v) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("id", v.id());
        fields.put("name", v.name());
        fields.put("region", v.region());
        fields.put("sizeGib", v.sizeGib());
        fields.put("dropletIds", v.dropletIds());
        fields.put("description", v.description());
        fields.put("tags", v.tags());
        fields.put("filesystemType", v.filesystemType());
        fields.put("createdAt", v.createdAt() == null ? null : v.createdAt().toString());
        return fields;
    }

    private static DoVolume volume(JsonObject o) {
        if (o.string("id") == null || o.string("name") == null) {
            throw new IllegalArgumentException("a volume without its id or name");
        }
        Integer size = o.integer("sizeGib");
        String createdAt = o.string("createdAt");
        return new DoVolume(o.string("id"), o.string("name"), o.string("region"), size == null ? 0 : size,
                o.longs("dropletIds"), o.string("description"), o.strings("tags"), o.string("filesystemType"),
                createdAt == null ? null : Instant.parse(createdAt));
    }
}
