package io.dostorage.volume;

import io.dostorage.config.PluginConfig;
import io.dostorage.deadline.Deadline;
import io.dostorage.host.VolumeHost;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Attaches and detaches volumes at DigitalOcean and waits for the action to take effect. DigitalOcean
 * accepts an attach or detach at once and carries it out afterwards; only polling the action tells
 * how it ended, and every poll is a call from the token's rate limit, which every droplet of a
 * cluster shares. So a wait polls sparingly: first after {@code ACTION_POLL_INITIAL}, then at
 * doubling intervals up to {@code ACTION_POLL_MAX}, within {@code ACTION_TIMEOUT}.
 *
 * <p>While the droplet is busy with another action, DigitalOcean refuses to start one ("pending
 * event", {@link DropletBusyException}); that is waited out too, at the same intervals and within
 * the same timeout. A request that is over (its caller left) stops waiting at once; an action that
 * was started goes on at DigitalOcean, and the caller's release undoes it.
 */
final class ActionWait {

    /** How often the disk's arrival is looked for while an attach to this droplet runs: a stat, no DO call. */
    static final long SIGN_CHECK_MILLIS = 10;
    private static final BooleanSupplier NO_SIGN = () -> false;

    private final Cloud cloud;
    private final VolumeHost host;
    private final Duration actionTimeout;
    private final Duration pollInitial;
    private final Duration pollMax;

    ActionWait(Cloud cloud, VolumeHost host, PluginConfig.DigitalOcean settings) {
        this.cloud = cloud;
        this.host = host;
        this.actionTimeout = settings.actionTimeout();
        this.pollInitial = settings.actionPollInitial();
        this.pollMax = settings.actionPollMax();
    }

    /**
     * Attaches the volume to this droplet and waits until DigitalOcean has done it, or until its disk
     * appears here ({@link VolumeHost#devicePresent}), whichever comes first; returns the volume as it
     * is then.
     *
     * <p>Why the disk: a Mount needs the disk, not DO's bookkeeping, and a poll schedule coarse
     * enough to spare the rate limit sees an action done up to one poll interval late. The disk is
     * looked for every {@value #SIGN_CHECK_MILLIS} ms at no DO cost; while it is, the action is polled
     * at {@code ACTION_POLL_MAX} intervals only, to catch an action that errored. The disk counts only
     * if it was absent before the attach was asked for: one already there (a detach whose udev removal
     * lags) says nothing about this attach. Going on before DO marks the action completed is harmless:
     * DO answers a next action on the droplet with "pending event" until then, which is waited out.
     */
    DoVolume attachHere(DoVolume volume, Deadline deadline) {
        long me = cloud.dropletId();
        if (volume.isAttachedTo(me)) {
            return volume;
        }
        BooleanSupplier arrived = () -> host.devicePresent(volume.name());
        BooleanSupplier sign = arrived.getAsBoolean() ? NO_SIGN : arrived;
        act(volume.id(), volume.name(), volume.region(), me, true, sign, sign == NO_SIGN ? pollInitial : pollMax, deadline);
        return volume.withDroplets(List.of(me));
    }

    /** Detaches the volume from the droplet and waits until DigitalOcean has done it; one not attached there is fine. */
    DoVolume detach(DoVolume volume, long dropletId, Deadline deadline) {
        act(volume.id(), volume.name(), volume.region(), dropletId, false, NO_SIGN, pollInitial, deadline);
        return volume.withDroplets(volume.dropletIds().stream().filter(id -> id != dropletId).toList());
    }

    /**
     * {@link #detach}, for a release that nobody waits for: no container here needs it, and a droplet
     * that waits for the volume learns that it is free from DigitalOcean, not from this call. So the
     * action is polled every {@code ACTION_POLL_MAX} only, which spares about half the polls. What the
     * state file knows of the volume is all it needs: no call to learn the rest.
     *
     * @return false when DigitalOcean says the volume is not attached to that droplet (another droplet
     *         took it over meanwhile): nothing was detached, from anyone
     */
    boolean release(String volumeId, String name, String region, long dropletId) {
        return act(volumeId, name, region, dropletId, false, NO_SIGN, pollMax, Deadline.none());
    }

    /** Starts the action and waits for it; false when DigitalOcean had nothing to do (already attached or detached). */
    private boolean act(String volumeId, String name, String region, long dropletId, boolean attach, BooleanSupplier done,
                        Duration firstPoll, Deadline request) {
        String doing = (attach ? "attach" : "detach") + " of volume " + name + " to/from droplet " + dropletId;
        request.check(doing);
        long end = System.nanoTime() + actionTimeout.toNanos();
        Duration pause = pollInitial;
        Optional<CloudAction> started;
        while (true) {
            try {
                started = attach ? cloud.attach(volumeId, region, dropletId) : cloud.detach(volumeId, region, dropletId);
                break;
            } catch (DropletBusyException e) {
                if (System.nanoTime() + pause.toNanos() > end) {
                    throw e;
                }
            }
            sleepUnless(pause, NO_SIGN, request, doing);
            pause = next(pause);
        }
        if (started.isPresent()) {
            await(started.get(), name, end, done, firstPoll, request);
        }
        return started.isPresent();
    }

    /**
     * Polls the action, first after {@code firstPoll} and then at doubling intervals up to
     * {@code ACTION_POLL_MAX}, until it completed, or until {@code done} says its effect is there.
     */
    private void await(CloudAction action, String volume, long end, BooleanSupplier done, Duration firstPoll,
                       Deadline request) {
        Duration pause = firstPoll;
        CloudAction current = action;
        while (current.status() != CloudAction.Status.COMPLETED) {
            if (current.status() == CloudAction.Status.ERRORED) {
                throw new CloudException("DigitalOcean action " + current.id() + " (" + current.type() + " of volume "
                        + volume + ", started " + current.startedAt() + ") ended with status errored");
            }
            if (System.nanoTime() + pause.toNanos() > end) {
                throw new CloudException("DigitalOcean action " + current.id() + " (" + current.type() + " of volume "
                        + volume + ") still in progress after " + actionTimeout.toSeconds() + "s (ACTION_TIMEOUT)");
            }
            if (sleepUnless(pause, done, request, "waiting for DigitalOcean action " + current.id())) {
                return;
            }
            pause = next(pause);
            current = cloud.action(current.id());
        }
    }

    /**
     * Sleeps for {@code pause}, checking {@code done} meanwhile; true when it turned true.
     *
     * @throws io.dostorage.deadline.DeadlineException as soon as the request is over
     */
    private static boolean sleepUnless(Duration pause, BooleanSupplier done, Deadline request, String doing) {
        long end = System.nanoTime() + pause.toNanos();
        while (true) {
            if (done.getAsBoolean()) {
                return true;
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            long nanos = done == NO_SIGN ? left : Math.min(SIGN_CHECK_MILLIS * 1_000_000, left);
            request.sleep(Duration.ofNanos(nanos), doing);
        }
    }

    private Duration next(Duration pause) {
        Duration next = pause.multipliedBy(2);
        return next.compareTo(pollMax) > 0 ? pollMax : next;
    }
}
