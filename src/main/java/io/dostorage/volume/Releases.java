package io.dostorage.volume;

import io.dostorage.deadline.Deadline;
import io.dostorage.host.VolumeHost;
import io.dostorage.state.StoredVolume;
import io.dostorage.state.VolumeStore;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets go of a volume nobody here uses any more: unmounts it and detaches it from this droplet, so
 * that the next droplet finds it free without a takeover. A release waits for {@code UNMOUNT_GRACE}
 * after the last Unmount (dockerd's create probe and a container restart Unmount and Mount again at
 * once, and a Mount within the grace reuses the attachment); a later Unmount restarts the grace, a
 * Mount cancels it. A release never touches a volume that has a reference.
 */
final class Releases {

    private static final Logger LOG = Logger.getLogger(Releases.class);

    private final VolumeStore store;
    private final VolumeHost host;
    private final Cloud cloud;
    private final ActionWait actions;
    private final Steps steps;
    private final VolumeLocks locks;
    private final Clock clock;
    private final Path mountRoot;
    private final Duration grace;
    private final ScheduledExecutorService timers;
    /** When each volume lost its last reference in this process; the sweep releases after the grace. */
    private final Map<String, Instant> unreferencedSince = new ConcurrentHashMap<>();
    /** The release timer each volume waits for, by ticket: a later Unmount restarts the grace, a Mount cancels it. */
    private final Map<String, Long> pending = new ConcurrentHashMap<>();
    private final AtomicLong tickets = new AtomicLong();

    Releases(VolumeStore store, VolumeHost host, Cloud cloud, ActionWait actions, Steps steps, VolumeLocks locks,
             Clock clock, Path mountRoot, Duration grace) {
        this.store = store;
        this.host = host;
        this.cloud = cloud;
        this.actions = actions;
        this.steps = steps;
        this.locks = locks;
        this.clock = clock;
        this.mountRoot = mountRoot;
        this.grace = grace;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "dostorage-release");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Releases the volume once the grace has passed, counted from now: a later call restarts the
     * grace (the last Unmount counts), a Mount cancels it ({@link #cancel}).
     */
    void schedule(String name) {
        unreferencedSince.put(name, clock.instant());
        long ticket = tickets.incrementAndGet();
        pending.put(name, ticket);
        if (grace.isZero()) {
            if (pending.remove(name, ticket)) {
                release(name);
            }
            return;
        }
        timers.schedule(() -> {
            if (!pending.remove(name, ticket)) {
                return; // a later Unmount restarted the grace, or a Mount took the volume
            }
            try {
                release(name);
            } catch (RuntimeException e) {
                LOG.errorf("releasing volume %s after its last unmount: %s (the sweep tries again)", name, e.getMessage());
            }
        }, grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A Mount took the volume, or it was removed: no release is due. */
    void cancel(String name) {
        pending.remove(name);
        unreferencedSince.remove(name);
    }

    /**
     * Whether the grace of a volume without a reference is over at {@code now}. One this process
     * has not seen lose its last reference (it did before a restart) starts its grace now.
     */
    boolean graceOver(String name, Instant now) {
        Instant since = unreferencedSince.computeIfAbsent(name, n -> now);
        return !since.plus(grace).isAfter(now);
    }

    /** Releases the volume if it has no reference, under its lock; true when there was anything to release. */
    boolean release(String name) {
        return Boolean.TRUE.equals(locks.operation(name, "releasing", Deadline.none(), () -> {
            Optional<StoredVolume> volume = store.findVolume(name);
            if (volume.isEmpty() || volume.get().referenced()) {
                return false;
            }
            return releaseNow(volume.get(), "released: no container uses it");
        }));
    }

    /**
     * Unmounts the volume if mounted here and detaches it if attached here; true when it did either.
     * The caller holds the volume's lock and has checked that nothing references it.
     *
     * @param why what lets the volume go, for the operator's log
     */
    boolean releaseNow(StoredVolume volume, String why) {
        Path root = mountRoot.resolve(volume.name());
        long me = cloud.dropletId();
        boolean mounted = host.isMounted(root);
        boolean attachedHere = volume.attached().filter(d -> d == me).isPresent();
        if (!mounted && !attachedHere) {
            return false;
        }
        steps.begin(volume.name(), "release", null);
        if (mounted) {
            long started = OperatorLog.start();
            host.unmount(root);
            steps.reached(volume.name(), "release-unmounted");
            OperatorLog.unmounted(volume.name(), me, root, started, why);
        }
        if (attachedHere && volume.doId() != null) {
            // Names this droplet only: a volume another droplet took over meanwhile stays there (DO answers
            // "attachment not found", which the port turns into nothing to do).
            long started = OperatorLog.start();
            if (actions.release(volume.doId(), volume.name(), volume.region(), me)) {
                OperatorLog.detached(volume.name(), me, started, why);
            } else {
                OperatorLog.keptElsewhere(volume.name(), me);
            }
            store.setAttached(volume.name(), null);
            steps.reached(volume.name(), "release-detached");
        }
        steps.end(volume.name());
        cancel(volume.name());
        return true;
    }

    void stop() {
        timers.shutdownNow();
    }
}
