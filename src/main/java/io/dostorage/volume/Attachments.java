package io.dostorage.volume;

import io.dostorage.deadline.Deadline;
import io.dostorage.host.VolumeHost;
import io.dostorage.state.StoredVolume;
import io.dostorage.state.VolumeStore;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Brings a volume to this droplet for a Mount: attaches it here, taking it over from another droplet
 * as the takeover policy says, and mounts it. Only a Mount whose caller still waits comes here: a
 * volume is never taken over for recovery, the sweep, a release, or a caller who left.
 */
final class Attachments {

    private static final Logger LOG = Logger.getLogger(Attachments.class);

    /**
     * A takeover wait is counted across the Mounts of the volume that this node keeps receiving
     * (dockerd under a 30 s cap, Swarm's retries of a task, a few seconds apart), and forgotten once
     * no Mount has asked for this long: then nobody waits any more, and a later Mount waits afresh.
     */
    static final Duration TAKEOVER_WAIT_FORGOTTEN = Duration.ofSeconds(60);
    /** The shortest interval between polls of a volume another droplet holds; see {@link #releasePoll}. */
    static final Duration FIRST_RELEASE_POLL = Duration.ofMillis(250);
    /** The longest interval between polls of a volume another droplet holds. */
    static final Duration LAST_RELEASE_POLL = Duration.ofSeconds(2);

    private final VolumeStore store;
    private final VolumeHost host;
    private final Cloud cloud;
    private final ActionWait actions;
    private final Steps steps;
    private final Path mountRoot;
    private final TakeoverPolicy defaultPolicy;
    private final Duration takeoverWait;
    /** Takeover waits in progress, by volume: see {@link #TAKEOVER_WAIT_FORGOTTEN}. */
    private final Map<String, TakeoverWait> waits = new ConcurrentHashMap<>();

    Attachments(VolumeStore store, VolumeHost host, Cloud cloud, ActionWait actions, Steps steps, Path mountRoot,
                TakeoverPolicy defaultPolicy, Duration takeoverWait) {
        this.store = store;
        this.host = host;
        this.cloud = cloud;
        this.actions = actions;
        this.steps = steps;
        this.mountRoot = mountRoot;
        this.defaultPolicy = defaultPolicy;
        this.takeoverWait = takeoverWait;
    }

    /**
     * The folder to hand out for the volume, mounted here first if it is not: attached here, its
     * device waited for, formatted only if blank, mounted. The caller holds the volume's lock and
     * has counted the Mount's reference.
     */
    Path mountedFolder(StoredVolume volume, VolumeOptions options, Deadline deadline) {
        Path root = mountRoot.resolve(volume.name());
        if (!host.isMounted(root)) {
            attachHere(volume, options, deadline);
            deadline.check("mounting volume " + volume.name());
            long started = OperatorLog.start();
            host.mount(volume.name(), options.mountSpec(), root, deadline);
            steps.reached(volume.name(), "mount-mounted");
            OperatorLog.mounted(volume.name(), cloud.dropletId(), root, started);
        }
        if (options.subpath() == null) {
            return root;
        }
        return host.folder(volume.name(), root, options.subpath(), options.ownership());
    }

    private void attachHere(StoredVolume volume, VolumeOptions options, Deadline deadline) {
        long me = cloud.dropletId();
        DoVolume current = cloud.volume(volume.doId()).orElseThrow(() -> new VolumeException("attaching volume "
                + volume.name() + " to droplet " + me + ": DigitalOcean has no volume " + volume.doId()
                + " any more; remove it with docker volume rm"));
        if (current.sizeGib() != VolumeOptions.fromMap(volume.options()).sizeGib()) {
            // Resized at DigitalOcean since this node recorded it (DO resizes upward only; the mount then
            // grows the filesystem): Get's size follows DO's answer, which this Mount paid for anyway.
            Map<String, String> resized = new LinkedHashMap<>(volume.options());
            resized.put(VolumeOptions.SIZE, Integer.toString(current.sizeGib()));
            store.setOptions(volume.name(), resized);
        }
        if (current.isAttachedTo(me)) {
            store.setAttached(volume.name(), me);
            return;
        }
        if (!current.dropletIds().isEmpty()) {
            current = takeOver(current, options, deadline);
        }
        deadline.check("attaching volume " + volume.name() + " to droplet " + me);
        // Recorded before the attach starts: if the process dies while DO attaches, the
        // reconciliation still knows to detach it.
        store.setAttached(volume.name(), me);
        long started = OperatorLog.start();
        try {
            actions.attachHere(current, deadline);
        } catch (VolumeLimitException e) {
            store.setAttached(volume.name(), null); // refused: nothing was attached, so there is nothing to release
            throw DropletFullException.explained(cloud, volume.name(), me, current.region(), e);
        }
        steps.reached(volume.name(), "mount-attached");
        OperatorLog.attached(volume.name(), me, started);
    }

    /**
     * Another droplet holds the volume: waits for it, detaches it from there, or fails, as the
     * policy says. Only for a Mount whose caller still waits: a caller who left never gets a volume
     * detached by force on its behalf.
     */
    private DoVolume takeOver(DoVolume volume, VolumeOptions options, Deadline deadline) {
        long holder = volume.dropletIds().get(0);
        TakeoverPolicy policy = options.takeover() == null ? defaultPolicy : TakeoverPolicy.parse(options.takeover());
        Optional<DoDroplet> holderNow = cloud.droplet(holder);
        TakeoverPolicy.Step step = policy.first(holderNow);
        if (step == TakeoverPolicy.Step.WAIT_FOR_RELEASE) {
            Optional<DoVolume> released = waitForRelease(volume, holder, deadline);
            if (released.isPresent()) {
                return released.get();
            }
            step = policy.afterWaiting();
        }
        String who = "droplet " + holder + holderNow.map(d -> " (" + d.name() + ", " + d.status() + ")").orElse(" (gone)");
        if (step == TakeoverPolicy.Step.FAIL) {
            String waited = policy.first(holderNow) == TakeoverPolicy.Step.WAIT_FOR_RELEASE
                    ? ", which did not release it within " + takeoverWait.toSeconds() + "s" : "";
            throw new VolumeInUseException("mounting volume " + volume.name() + ": it is attached to " + who + waited
                    + "; takeover policy " + policy.word() + " does not detach a volume from another droplet. "
                    + "Stop the container that uses it there, or mount it with takeover policy wait or force");
        }
        deadline.check("detaching volume " + volume.name() + " from " + who + " by force");
        LOG.warnf("taking volume %s over from %s: detaching it from there (takeover policy %s)", volume.name(), who,
                policy.word());
        long started = OperatorLog.start();
        DoVolume detached = actions.detach(volume, holder, deadline);
        OperatorLog.detached(volume.name(), holder, started, "taken over by droplet " + cloud.dropletId());
        waits.remove(volume.name());
        return detached;
    }

    /**
     * Polls the volume until no droplet holds it, within TAKEOVER_WAIT counted from the first Mount
     * that waited for this holder (see {@link #TAKEOVER_WAIT_FORGOTTEN}): under dockerd's 30 s cap
     * each Mount is cut short and sent again, and a wait that started afresh each time would never
     * end. The last poll falls at the end of the wait, so a holder that lets go within TAKEOVER_WAIT
     * is never detached by force. Returns empty once the wait is used up.
     */
    private Optional<DoVolume> waitForRelease(DoVolume volume, long holder, Deadline deadline) {
        long now = System.nanoTime();
        TakeoverWait waiting = waits.compute(volume.name(),
                (name, old) -> old != null && old.holder() == holder && !old.forgotten(now) ? old.askedAt(now)
                        : new TakeoverWait(holder, now, now));
        if (waiting.since() != now) {
            LOG.infof("volume %s: still waiting for droplet %d to release it, %ds of TAKEOVER_WAIT=%ds spent by earlier "
                    + "Mounts", volume.name(), holder, Duration.ofNanos(now - waiting.since()).toSeconds(),
                    takeoverWait.toSeconds());
        }
        try {
            Duration poll;
            while (!(poll = releasePoll(Duration.ofNanos(System.nanoTime() - waiting.since()), takeoverWait)).isZero()) {
                deadline.sleep(poll, "waiting for droplet " + holder + " to release volume " + volume.name());
                Optional<DoVolume> current = cloud.volume(volume.id());
                if (current.isEmpty()) {
                    throw new VolumeException("mounting volume " + volume.name() + ": it was deleted in DigitalOcean while "
                            + "waiting for droplet " + holder + " to release it");
                }
                if (current.get().dropletIds().isEmpty()) {
                    waits.remove(volume.name());
                    return current;
                }
            }
            return Optional.empty();
        } finally {
            waits.computeIfPresent(volume.name(), (name, w) -> w.askedAt(System.nanoTime()));
        }
    }

    /**
     * The interval before the next poll of a volume another droplet holds, {@code elapsed} into the
     * wait: a quarter of the time waited so far, from {@link #FIRST_RELEASE_POLL} up to TAKEOVER_WAIT
     * / 20 and at most {@link #LAST_RELEASE_POLL}, and never past the end of the wait; zero once the
     * wait is over. So a release is seen at most a quarter late (a moved service's old droplet lets go
     * about a grace and a detach after the wait began: it is seen within half a second), the last poll
     * is at the end of TAKEOVER_WAIT, and a holder that keeps the volume costs about four calls per
     * doubling of the wait, then one per interval: about 30 over a 40 s TAKEOVER_WAIT.
     */
    static Duration releasePoll(Duration elapsed, Duration takeoverWait) {
        Duration left = takeoverWait.minus(elapsed);
        if (left.isNegative() || left.isZero()) {
            return Duration.ZERO;
        }
        Duration cap = within(takeoverWait.dividedBy(20), FIRST_RELEASE_POLL, LAST_RELEASE_POLL);
        Duration poll = within(elapsed.dividedBy(4), FIRST_RELEASE_POLL, cap);
        return poll.compareTo(left) > 0 ? left : poll;
    }

    /** {@code d}, but no shorter than {@code min} and no longer than {@code max}. */
    private static Duration within(Duration d, Duration min, Duration max) {
        return d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d;
    }

    /**
     * A Mount's wait for another droplet to release a volume: since when (System.nanoTime, as the
     * waits are timed), for which holder, and when a Mount last asked.
     */
    private record TakeoverWait(long holder, long since, long lastAsked) {

        TakeoverWait askedAt(long now) {
            return new TakeoverWait(holder, since, now);
        }

        boolean forgotten(long now) {
            return now - lastAsked > TAKEOVER_WAIT_FORGOTTEN.toNanos();
        }
    }
}
