package io.dostorage.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The JSON objects of DigitalOcean's API v2, built from the emulator's state. Every object carries
 * the fields DO's API description lists as required, and no field the description does not list
 * (the contract check in the tests rejects unknown properties).
 */
final class Wire {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Wire() {
    }

    static ObjectNode object() {
        return JSON.objectNode();
    }

    /** DO's timestamps: ISO 8601, UTC, whole seconds ("2020-03-02T17:00:49Z"). */
    static String time(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static ObjectNode error(String id, String message, String requestId) {
        return object().put("id", id).put("message", message).put("request_id", requestId);
    }

    static ObjectNode region(String slug) {
        ObjectNode region = object().put("name", Regions.name(slug)).put("slug", slug);
        strings(region.putArray("sizes"), Regions.SIZES);
        strings(region.putArray("features"), Regions.FEATURES);
        region.put("available", true);
        return region;
    }

    /**
     * A volume as DO describes it. {@code filesystem_type} and {@code filesystem_label} are "", DO's
     * answer for a volume it did not format: the emulator never formats one.
     */
    static ObjectNode volume(StateDocument.Volume v) {
        ObjectNode volume = object()
                .put("id", v.id())
                .put("name", v.name())
                .put("description", v.description() == null ? "" : v.description())
                .put("size_gigabytes", v.sizeGigabytes())
                .put("created_at", time(v.createdAt()));
        ArrayNode dropletIds = volume.putArray("droplet_ids");
        if (v.dropletId() != null) {
            dropletIds.add(v.dropletId());
        }
        volume.set("region", region(v.region()));
        volume.put("filesystem_type", "");
        volume.put("filesystem_label", "");
        strings(volume.putArray("tags"), v.tags());
        return volume;
    }

    /**
     * A volume action. {@code resource_id} is an integer in DO's description, which a volume's UUID
     * cannot be: DO's own examples answer null (or leave it out) for volume actions, and so does the emulator.
     */
    static ObjectNode action(StateDocument.Action a) {
        ObjectNode action = object()
                .put("id", a.id())
                .put("status", a.status())
                .put("type", a.type())
                .put("started_at", time(a.startedAt()));
        if (a.completedAt() == null) {
            action.putNull("completed_at");
        } else {
            action.put("completed_at", time(a.completedAt()));
        }
        action.putNull("resource_id");
        action.put("resource_type", "volume");
        action.set("region", region(a.region()));
        action.put("region_slug", a.region());
        return action;
    }

    /** A droplet with every field DO's description requires, filled with a small plausible droplet. */
    static ObjectNode droplet(StateDocument.Droplet d, List<String> volumeIds) {
        ObjectNode droplet = object()
                .put("id", d.id())
                .put("name", "droplet-" + d.id())
                .put("memory", 1024)
                .put("vcpus", 1)
                .put("disk", 25)
                .put("locked", false)
                .put("status", d.status())
                .put("created_at", time(d.createdAt()));
        strings(droplet.putArray("features"), List.of("monitoring", "droplet_agent", "private_networking"));
        droplet.putArray("backup_ids");
        droplet.putNull("next_backup_window");
        droplet.putArray("snapshot_ids");
        ObjectNode image = droplet.putObject("image")
                .put("id", 164378432)
                .put("name", "24.04 (LTS) x64")
                .put("type", "base")
                .put("distribution", "Ubuntu")
                .put("slug", "ubuntu-24-04-x64")
                .put("public", true);
        strings(image.putArray("regions"), Regions.slugs().stream().toList());
        image.put("created_at", "2024-10-01T12:00:00Z")
                .put("min_disk_size", 7)
                .put("size_gigabytes", 2.34)
                .put("description", "Ubuntu 24.04 (LTS) x64")
                .put("status", "available");
        image.putArray("tags");
        strings(droplet.putArray("volume_ids"), volumeIds);
        ObjectNode size = droplet.putObject("size")
                .put("slug", "s-1vcpu-1gb")
                .put("memory", 1024)
                .put("vcpus", 1)
                .put("disk", 25)
                .put("transfer", 1.0)
                .put("price_monthly", 6.0)
                .put("price_hourly", 0.00893)
                .put("available", true)
                .put("description", "Basic");
        strings(size.putArray("regions"), List.of(d.region()));
        droplet.put("size_slug", "s-1vcpu-1gb");
        ObjectNode networks = droplet.putObject("networks");
        networks.putArray("v4").addObject()
                .put("ip_address", "10.10.0." + (d.id() % 250 + 2))
                .put("netmask", "255.255.0.0")
                .put("gateway", "10.10.0.1")
                .put("type", "private");
        networks.putArray("v6");
        droplet.set("region", region(d.region()));
        droplet.putArray("tags");
        return droplet;
    }

    static ObjectNode snapshot(StateDocument.Snapshot s) {
        ObjectNode snapshot = object()
                .put("id", s.id())
                .put("name", s.name())
                .put("created_at", time(s.createdAt()));
        strings(snapshot.putArray("regions"), List.of(s.region()));
        snapshot.put("min_disk_size", s.minDiskSize())
                .put("size_gigabytes", s.sizeGigabytes())
                .put("resource_id", s.volumeId())
                .put("resource_type", "volume");
        strings(snapshot.putArray("tags"), s.tags());
        return snapshot;
    }

    /**
     * A tag with its resource counts (the emulator tags no droplets). DO's description spells the
     * images entry "imgages" (sic) and its checks reject unknown properties, so the emulator leaves
     * the images count out.
     */
    static ObjectNode tag(String name, int volumes, int volumeSnapshots) {
        ObjectNode tag = object().put("name", name);
        ObjectNode resources = tag.putObject("resources");
        resources.put("count", volumes + volumeSnapshots);
        resources.putObject("droplets").put("count", 0);
        resources.putObject("volumes").put("count", volumes);
        resources.putObject("volume_snapshots").put("count", volumeSnapshots);
        resources.putObject("databases").put("count", 0);
        return tag;
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}
