package io.dostorage.volume;

import io.dostorage.deadline.Deadline;
import io.dostorage.host.VolumeHost;
import io.dostorage.state.Operation;
import io.dostorage.state.StoredVolume;
import io.dostorage.state.VolumeStore;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Brings this node back in line with its records: after a start (the journal a crash left, the
 * references of an earlier boot) and periodically (the sweep). Recovery and the sweep have no
 * caller who waits, so they never take a volume over: a volume another droplet holds now stays
 * there, whatever this node's records say.
 */
final class Recovery {

    private static final Logger LOG = Logger.getLogger(Recovery.class);

    private final VolumeStore store;
    private final VolumeHost host;
    private final Cloud cloud;
    private final RemoteVolumes remote;
    private final Lifecycle lifecycle;
    private final Releases releases;
    private final VolumeLocks locks;
    private final Clock clock;
    private final Path mountRoot;
    /**
     * Volumes whose Create or Remove a crash cut short, left by {@link #prepare()} for
     * {@link #reconcile()}; a request for one of them finishes it first ({@link #finishLeftover}), so
     * that it never acts on a half-made or half-removed volume.
     */
    private final Map<String, Boolean> leftovers = new ConcurrentHashMap<>();

    Recovery(VolumeStore store, VolumeHost host, Cloud cloud, RemoteVolumes remote, Lifecycle lifecycle,
             Releases releases, VolumeLocks locks, Clock clock, Path mountRoot) {
        this.store = store;
        this.host = host;
        this.cloud = cloud;
        this.remote = remote;
        this.lifecycle = lifecycle;
        this.releases = releases;
        this.locks = locks;
        this.clock = clock;
        this.mountRoot = mountRoot;
    }

    /** See {@link VolumeService#prepare()}. */
    void prepare() {
        store.voidEarlierBoots().forEach((name, voided) -> LOG.infof("voided %d mount reference(s) of volume %s made "
                + "before this droplet's last boot: no container survives a reboot", voided.values().stream()
                .mapToInt(Integer::intValue).sum(), name));
        for (Operation operation : store.operations()) {
            String name = operation.volume();
            boolean counted = !"begun".equals(operation.step()); // the count and its step commit together
            String caller = operation.callerId();
            switch (operation.kind()) {
                case "mount" -> {
                    if (caller != null && counted) {
                        store.removeReference(name, caller, null);
                    }
                }
                case "unmount" -> {
                    if (caller != null && !counted) {
                        store.removeReference(name, caller, null);
                    }
                }
                case "release" -> {
                    // the reconciliation releases what has no reference
                }
                default -> {
                    leftovers.put(name, true);
                    continue; // create, remove: they need DigitalOcean, see reconcile()
                }
            }
            store.endOperation(name);
            LOG.infof("recovered %s of volume %s interrupted at step %s", operation.kind(), name, operation.step());
        }
        // Read every volume once, before the socket answers: dockerd's Get of each volume it knows,
        // which it sends one after another as it starts, is then answered from memory.
        store.listVolumes();
    }

    /** See {@link VolumeService#reconcile()}. */
    Map<String, String> reconcile() {
        Map<String, String> failures = new LinkedHashMap<>();
        for (Operation operation : store.operations()) {
            try {
                finish(operation);
            } catch (VolumeException e) {
                failures.put(operation.volume(), e.getMessage());
            }
        }
        for (StoredVolume volume : store.listVolumes()) {
            try {
                locks.operation(volume.name(), "reconciling", Deadline.none(), () -> {
                    store.findVolume(volume.name()).ifPresent(this::reconcile);
                    return null;
                });
            } catch (VolumeException e) {
                failures.put(volume.name(), e.getMessage());
            }
        }
        return failures;
    }

    private void reconcile(StoredVolume volume) {
        Path root = mountRoot.resolve(volume.name());
        long me = cloud.dropletId();
        boolean mounted = host.isMounted(root);
        if (volume.referenced() && mounted) {
            return;
        }
        if (volume.referenced() && host.devicePresent(volume.name())) {
            // The disk is here, so it is attached here: no DigitalOcean call needed.
            mountAgain(volume, root, me);
            return;
        }
        boolean recordedHere = volume.attached().filter(d -> d == me).isPresent();
        if (!volume.referenced() && !mounted && !recordedHere) {
            return;
        }
        Optional<DoVolume> current;
        try {
            current = volume.doId() == null ? Optional.empty() : cloud.volume(volume.doId());
        } catch (CloudException e) {
            if (volume.referenced()) {
                throw e;
            }
            releases.schedule(volume.name()); // the release asks DigitalOcean again, and the sweep after it
            return;
        }
        List<Long> holders = current.map(DoVolume::dropletIds).orElse(List.of());
        Optional<Long> other = holders.stream().filter(d -> d != me).findFirst();
        if (other.isPresent()) {
            lost(volume, other.get());
            if (mounted && !volume.referenced()) {
                long started = OperatorLog.start();
                host.unmount(root);
                OperatorLog.unmounted(volume.name(), me, root, started, "droplet " + other.get() + " holds it now");
            }
        } else if (!volume.referenced()) {
            releases.schedule(volume.name());
        } else if (holders.contains(me)) {
            mountAgain(volume, root, me);
        } else {
            LOG.warnf("volume %s has %d reference(s) on this node but is attached to no droplet; recovery does not "
                    + "attach it (another droplet may be about to), the next Mount will", volume.name(), volume.mounts());
        }
    }

    /** Mounts a referenced volume again after a restart: the references here expect it mounted. */
    private void mountAgain(StoredVolume volume, Path root, long me) {
        long started = OperatorLog.start();
        host.mount(volume.name(), VolumeOptions.fromMap(volume.options()).mountSpec(), root, Deadline.none());
        OperatorLog.mounted(volume.name(), me, root, started);
    }

    /** Another droplet holds the volume now: recorded (Get shows the holder) and logged once; nothing else is done. */
    private void lost(StoredVolume volume, long holder) {
        if (Objects.equals(volume.attachedDroplet(), holder)) {
            return;
        }
        store.setAttached(volume.name(), holder);
        LOG.warnf("lost volume %s to droplet %d: it is attached there now, so this node leaves it there and does not "
                + "mount it%s", volume.name(), holder, volume.referenced() ? " (its " + volume.mounts()
                + " reference(s) here stay until dockerd unmounts them)" : "");
    }

    /** See {@link VolumeService#sweep()}. */
    List<String> sweep() {
        List<String> done = new ArrayList<>();
        Instant now = clock.instant();
        long me = cloud.dropletId();
        for (Path mount : host.mountsUnder(mountRoot)) {
            String name = mount.getFileName().toString();
            if (store.findVolume(name).isEmpty() && Boolean.TRUE.equals(locks.operation(name, "unmounting orphaned",
                    Deadline.none(), () -> {
                        if (store.findVolume(name).isEmpty() && host.isMounted(mount)) {
                            long started = OperatorLog.start();
                            host.unmount(mount);
                            OperatorLog.unmounted(name, me, mount, started, "orphaned: no volume of that name in the state");
                            return true;
                        }
                        return false;
                    }))) {
                done.add(name);
            }
        }
        for (StoredVolume volume : store.listVolumes()) {
            boolean held = volume.attached().filter(d -> d == me).isPresent() || host.isMounted(mountRoot.resolve(volume.name()));
            if (volume.referenced() || !held) {
                continue;
            }
            if (releases.graceOver(volume.name(), now) && releases.release(volume.name())) {
                done.add(volume.name());
            }
        }
        return done;
    }

    /** Finishes the volume's Create or Remove that a crash cut short, if {@link #prepare()} left one. */
    void finishLeftover(String name) {
        if (leftovers.containsKey(name)) {
            store.operations().stream().filter(o -> o.volume().equals(name)).findFirst().ifPresent(this::finish);
            leftovers.remove(name);
        }
    }

    /**
     * Finishes an interrupted Create or Remove, under the volume's lock and only while the journal
     * still holds that entry (a request since may have settled it).
     */
    private void finish(Operation operation) {
        String name = operation.volume();
        locks.operation(name, "recovering " + operation.kind() + " of", Deadline.none(), () -> {
            leftovers.remove(name);
            if (!store.operations().contains(operation)) {
                return null;
            }
            switch (operation.kind()) {
                // A Create that died after DO made the volume: record it, so it is not left unknown.
                case "create" -> {
                    if (store.findVolume(name).isEmpty()) {
                        cloud.find(name, cloud.region()).ifPresent(v -> lifecycle.record(name, v, Map.of()));
                    }
                }
                // A Remove runs to its end: it had passed its checks; unless the volume is in use again.
                case "remove" -> store.findVolume(name).ifPresent(volume -> {
                    if (volume.referenced()) {
                        LOG.warnf("not finishing the interrupted removal of volume %s: it is mounted again", name);
                        return;
                    }
                    releases.releaseNow(volume, "finishing its interrupted removal");
                    if (volume.doId() != null && lifecycle.removePolicy(volume).deletes(volume.createdHere())) {
                        cloud.delete(volume.doId());
                    }
                    store.deleteVolume(name);
                    remote.forget(name);
                });
                default -> {
                    // settled by prepare()
                }
            }
            store.endOperation(name);
            LOG.infof("recovered %s of volume %s interrupted at step %s", operation.kind(), name, operation.step());
            return null;
        });
    }
}
