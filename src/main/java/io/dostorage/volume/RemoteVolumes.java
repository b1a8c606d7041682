package io.dostorage.volume;

import io.dostorage.config.PluginConfig;
import io.dostorage.digitalocean.DigitalOcean;
import io.dostorage.digitalocean.DoVolume;
import io.dostorage.digitalocean.ThisDroplet;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * DigitalOcean's volumes in this droplet's region, as a short-lived copy. dockerd asks Get and List
 * often (several Gets per container start, on every node), and DO's rate limit is shared by every
 * node of a cluster, so a volume this node does not know is looked up here: at most one DO call per
 * {@code LIST_CACHE_TTL}.
 */
@ApplicationScoped
class RemoteVolumes {

    private final DigitalOcean digitalOcean;
    private final ThisDroplet droplet;
    private final Duration ttl;
    private final Clock clock;
    private List<DoVolume> volumes;
    private Instant fetchedAt;

    RemoteVolumes(DigitalOcean digitalOcean, ThisDroplet droplet, PluginConfig config, Clock clock) {
        this.digitalOcean = digitalOcean;
        this.droplet = droplet;
        this.ttl = config.volumes().listCacheTtl();
        this.clock = clock;
    }

    synchronized List<DoVolume> all() {
        Instant now = clock.instant();
        if (volumes == null || fetchedAt.plus(ttl).isBefore(now)) {
            volumes = digitalOcean.listVolumes(droplet.region());
            fetchedAt = now;
        }
        return volumes;
    }

    Optional<DoVolume> find(String name) {
        return all().stream().filter(v -> v.name().equals(name)).findFirst();
    }

    /** Forgets the copy, after this node changed what DO holds. */
    synchronized void invalidate() {
        volumes = null;
    }
}
