package io.dostorage.emulator;

import java.time.Instant;
import java.util.List;

/**
 * Everything the emulator knows, as it is written to the state file: plain records, so the file
 * reads like the DO objects it stands for. Never holds a token.
 */
record StateDocument(int version, long nextActionId, List<Volume> volumes, List<Droplet> droplets,
                     List<Action> actions, List<Snapshot> snapshots, List<String> tags) {

    static final int VERSION = 1;

    StateDocument {
        volumes = List.copyOf(volumes);
        droplets = List.copyOf(droplets);
        actions = List.copyOf(actions);
        snapshots = List.copyOf(snapshots);
        tags = List.copyOf(tags);
    }

    /**
     * A volume; {@code dropletId} is the droplet it is attached to (DO allows one), null when
     * detached. (A state file written before the emulator dropped the filesystem fields of volumes
     * and the tags of droplets still loads: unknown fields are ignored.)
     */
    record Volume(String id, String name, String region, int sizeGigabytes, String description, List<String> tags,
                  String snapshotId, Instant createdAt, Long dropletId) {

        Volume {
            tags = List.copyOf(tags);
        }

        Volume attachedTo(Long droplet) {
            return new Volume(id, name, region, sizeGigabytes, description, tags, snapshotId, createdAt, droplet);
        }

        Volume resizedTo(int size) {
            return new Volume(id, name, region, size, description, tags, snapshotId, createdAt, dropletId);
        }

        Volume withTags(List<String> newTags) {
            return new Volume(id, name, region, sizeGigabytes, description, newTags, snapshotId, createdAt, dropletId);
        }
    }

    /** A droplet; {@code deviceDir} is where the devices of its attached volumes appear. */
    record Droplet(long id, String region, String deviceDir, String status, Instant createdAt) {

        Droplet withStatus(String newStatus) {
            return new Droplet(id, region, deviceDir, newStatus, createdAt);
        }
    }

    /**
     * A volume action. It is "in-progress" until {@code dueAt}, then completes (or, when
     * {@code failing}, ends "errored") and only then takes effect.
     *
     * @param type           DO's action type: attach_volume, detach_volume or resize_volume
     * @param dropletId      the droplet of an attach or detach, null for a resize
     * @param sizeGigabytes  the new size of a resize, null otherwise
     */
    record Action(long id, String type, String volumeId, Long dropletId, Integer sizeGigabytes, String region,
                  Instant startedAt, Instant dueAt, Instant completedAt, String status, boolean failing) {

        static final String IN_PROGRESS = "in-progress";
        static final String COMPLETED = "completed";
        static final String ERRORED = "errored";

        boolean inProgress() {
            return IN_PROGRESS.equals(status);
        }

        Action finished(String finalStatus, Instant at) {
            return new Action(id, type, volumeId, dropletId, sizeGigabytes, region, startedAt, dueAt, at,
                    finalStatus, failing);
        }
    }

    /** A volume snapshot; its data is a sparse copy of the volume's backing file. */
    record Snapshot(String id, String name, String volumeId, String region, int minDiskSize, double sizeGigabytes,
                    List<String> tags, Instant createdAt) {

        Snapshot {
            tags = List.copyOf(tags);
        }
    }
}
