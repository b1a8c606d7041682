package io.dostorage.digitalocean;

import io.dostorage.config.PluginConfig;
import io.dostorage.deadline.Deadline;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * DigitalOcean as the rest of the plugin sees it: volumes, attachments, droplets. Every method is
 * idempotent, and the "already" answers of DO are handled here, in one place: creating a volume
 * that exists returns it, attaching what is attached here or detaching what is not attached is a
 * no-op, deleting what is gone succeeds. Attach and detach return once DO's action has completed.
 */
@ApplicationScoped
public class DigitalOcean {

    /** How often a local sign of an attachment is checked while waiting for its action. */
    static final long SIGN_CHECK_MILLIS = 10;
    private static final BooleanSupplier NO_SIGN = () -> false;

    private final DoCalls calls;
    private final Duration actionTimeout;
    private final Duration pollInitial;
    private final Duration pollMax;

    DigitalOcean(DoCalls calls, PluginConfig config) {
        this.calls = calls;
        this.actionTimeout = config.digitalocean().actionTimeout();
        this.pollInitial = config.digitalocean().actionPollInitial();
        this.pollMax = config.digitalocean().actionPollMax();
    }

    /** The volume of that name in that region (DO allows one per region), if any: one call. */
    public Optional<DoVolume> findVolume(String name, String region) {
        List<DoWire.Volume> found = calls.listVolumes(name, region, 1, DoCalls.MAX_PAGE_SIZE).volumes();
        return found == null ? Optional.empty() : found.stream().filter(v -> name.equals(v.name())).findFirst().map(DoVolume::of);
    }

    /** Every volume in the region, in as few calls as DO allows (pages of 200). */
    public List<DoVolume> listVolumes(String region) {
        List<DoVolume> all = new ArrayList<>();
        for (int page = 1; ; page++) {
            DoWire.VolumePage result = calls.listVolumes(null, region, page, DoCalls.MAX_PAGE_SIZE);
            List<DoWire.Volume> volumes = result.volumes() == null ? List.of() : result.volumes();
            volumes.forEach(v -> all.add(DoVolume.of(v)));
            boolean more = result.links() != null && result.links().pages() != null && result.links().pages().next() != null;
            Integer total = result.meta() == null ? null : result.meta().total();
            if (volumes.isEmpty() || !more || (total != null && all.size() >= total)) {
                return all;
            }
        }
    }

    public Optional<DoVolume> getVolume(String id) {
        try {
            return Optional.of(DoVolume.of(calls.getVolume(id)));
        } catch (DigitalOceanException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Creates the volume. When DO says it exists already (for example because an earlier attempt
     * reached DO but its answer was lost), the existing one is returned.
     */
    public DoVolume createVolume(NewVolume volume) {
        try {
            return DoVolume.of(calls.createVolume(new DoWire.NewVolume(volume.name(),
                    volume.snapshotId() == null ? volume.sizeGib() : null, volume.region(), volume.description(),
                    volume.snapshotId(), volume.tags().isEmpty() ? null : volume.tags())));
        } catch (DigitalOceanException e) {
            if (e.status() == 409 || e.status() == 422) {
                Optional<DoVolume> existing = findVolume(volume.name(), volume.region());
                if (existing.isPresent()) {
                    return existing.get();
                }
            }
            throw e;
        }
    }

    /** Deletes the volume; one that is already gone is fine. DO refuses while it is attached. */
    public void deleteVolume(String id) {
        try {
            calls.deleteVolume(id);
        } catch (DigitalOceanException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
    }

    /** Attaches the volume to the droplet and waits until DO has done it; returns the volume as it is then. */
    public DoVolume attach(DoVolume volume, long dropletId) {
        return attach(volume, dropletId, NO_SIGN, Deadline.none());
    }

    /** {@link #attach(DoVolume, long, BooleanSupplier, Deadline)} for work no caller waits on. */
    public DoVolume attach(DoVolume volume, long dropletId, BooleanSupplier arrived) {
        return attach(volume, dropletId, arrived, Deadline.none());
    }

    /**
     * Attaches the volume to the droplet and waits until DO has done it, or until {@code arrived}, a
     * local sign that the attachment has reached the droplet (its disk appeared there), turns true,
     * whichever comes first; returns the volume as it is then.
     *
     * <p>Why: a Mount needs the disk, not DO's bookkeeping. The action's status can only be learnt by
     * polling, each poll a call from the token's cluster-wide rate limit, and a poll schedule coarse
     * enough to spare that budget sees an action done up to one poll interval late. The sign is
     * checked every {@value #SIGN_CHECK_MILLIS} ms and costs no call; with it, the action is polled
     * at {@code ACTION_POLL_MAX} intervals only, to catch an action that errored. It is trusted only
     * if it was false before the action was requested: a disk already there (a detach whose udev
     * removal lags) says nothing about this attach. Returning before DO marks the action completed
     * is harmless: DO answers a next action on the droplet with "pending event" until then, and
     * {@link #act} waits that out.
     *
     * <p>A request that is over ({@code deadline}: its caller left) stops waiting at once; the attach
     * itself goes on at DigitalOcean, and the caller's release detaches it again.
     */
    public DoVolume attach(DoVolume volume, long dropletId, BooleanSupplier arrived, Deadline deadline) {
        if (volume.isAttachedTo(dropletId)) {
            return volume;
        }
        BooleanSupplier sign = arrived.getAsBoolean() ? NO_SIGN : arrived;
        try {
            act(volume, new DoWire.VolumeAction("attach", dropletId, volume.region(), null), sign,
                    sign == NO_SIGN ? pollInitial : pollMax, deadline);
        } catch (DigitalOceanException e) {
            if (!e.isUnprocessable(DoErrorText.ALREADY_ATTACHED)) {
                throw e;
            }
            DoVolume now = getVolume(volume.id()).orElseThrow(() -> e);
            if (!now.isAttachedTo(dropletId)) {
                throw new DigitalOceanException(e.status(), e.errorId(), "volume " + volume.name() + " is attached to droplet "
                        + now.dropletIds() + ", not " + dropletId + ": " + e.getMessage(), e.requestId());
            }
            return now;
        }
        return withDroplets(volume, List.of(dropletId));
    }

    /** Detaches the volume from the droplet and waits until DO has done it; one not attached there is fine. */
    public DoVolume detach(DoVolume volume, long dropletId) {
        return detach(volume, dropletId, Deadline.none());
    }

    /** {@link #detach(DoVolume, long)}, waiting only until the request is over. */
    public DoVolume detach(DoVolume volume, long dropletId, Deadline deadline) {
        return detach(volume, dropletId, pollInitial, deadline);
    }

    /**
     * {@link #detach}, for a release that nobody waits for: no container here needs it, and a droplet
     * that waits for the volume learns that it is free from DO, not from this call. So the action is
     * polled every {@code ACTION_POLL_MAX} only, which spares about half the polls of a detach.
     *
     * @return true when it detached the volume; false when DO says it is not attached to that droplet
     *         (another droplet took it over meanwhile): nothing was detached, from anyone
     */
    public boolean release(DoVolume volume, long dropletId) {
        return detached(volume, dropletId, pollMax, Deadline.none());
    }

    private DoVolume detach(DoVolume volume, long dropletId, Duration firstPoll, Deadline deadline) {
        detached(volume, dropletId, firstPoll, deadline);
        return withDroplets(volume, volume.dropletIds().stream().filter(id -> id != dropletId).toList());
    }

    /** Detaches; false when DO says the volume is not attached to that droplet (nothing was detached). */
    private boolean detached(DoVolume volume, long dropletId, Duration firstPoll, Deadline deadline) {
        try {
            act(volume, new DoWire.VolumeAction("detach", dropletId, volume.region(), null), NO_SIGN, firstPoll, deadline);
            return true;
        } catch (DigitalOceanException e) {
            if (!e.isUnprocessable(DoErrorText.ATTACHMENT_NOT_FOUND)) {
                throw e;
            }
            return false;
        }
    }

    /** The droplet, or empty when DO no longer knows it (destroyed). */
    public Optional<DoDroplet> droplet(long id) {
        try {
            return Optional.of(DoDroplet.of(calls.getDroplet(id)));
        } catch (DigitalOceanException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Tags the volume, creating the tag first (creating an existing tag is harmless on DO). */
    public void tagVolume(String volumeId, String tag) {
        calls.createTag(tag);
        calls.tagVolume(tag, volumeId);
    }

    /**
     * Starts the action and waits for it. While the droplet is busy with another action DO answers
     * 422 "pending event"; that is waited out too, within the same deadline.
     */
    private void act(DoVolume volume, DoWire.VolumeAction action, BooleanSupplier done, Duration firstPoll,
                     Deadline request) {
        String doing = action.type() + " of volume " + volume.name() + " to/from droplet " + action.dropletId();
        request.check(doing);
        long deadline = System.nanoTime() + actionTimeout.toNanos();
        Duration pause = pollInitial;
        DoWire.Action started;
        while (true) {
            try {
                started = calls.volumeAction(volume.id(), action);
                break;
            } catch (DigitalOceanException e) {
                if (!e.isUnprocessable(DoErrorText.PENDING_EVENT) || System.nanoTime() + pause.toNanos() > deadline) {
                    throw e;
                }
            }
            sleepUnless(pause, NO_SIGN, request, doing);
            pause = next(pause);
        }
        await(started, volume, deadline, done, firstPoll, request);
    }

    /**
     * Polls the action, first after {@code firstPoll} and then at doubling intervals up to
     * {@code ACTION_POLL_MAX}, until it completed, or until {@code done} says its effect is already
     * there.
     */
    private void await(DoWire.Action action, DoVolume volume, long deadline, BooleanSupplier done, Duration firstPoll,
                       Deadline request) {
        Duration pause = firstPoll;
        DoWire.Action current = action;
        while (!"completed".equals(current.status())) {
            if ("errored".equals(current.status())) {
                throw new DigitalOceanException(0, "action_errored", "DigitalOcean action " + current.id() + " ("
                        + current.type() + " of volume " + volume.name() + ", started " + current.startedAt()
                        + ") ended with status errored", null);
            }
            if (System.nanoTime() + pause.toNanos() > deadline) {
                throw new DigitalOceanException(0, "action_timeout", "DigitalOcean action " + current.id() + " ("
                        + current.type() + " of volume " + volume.name() + ") still " + current.status() + " after "
                        + actionTimeout.toSeconds() + "s (ACTION_TIMEOUT)", null);
            }
            if (sleepUnless(pause, done, request, "waiting for DigitalOcean action " + current.id())) {
                return;
            }
            pause = next(pause);
            current = calls.getAction(current.id());
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

    private static DoVolume withDroplets(DoVolume v, List<Long> droplets) {
        return new DoVolume(v.id(), v.name(), v.region(), v.sizeGib(), droplets, v.description(), v.tags(),
                v.filesystemType(), v.createdAt());
    }
}
