package io.dostorage.volume;

import io.dostorage.config.PluginConfig;
import io.dostorage.deadline.Deadline;
import io.dostorage.host.VolumeHost;
import io.dostorage.state.StoredVolume;
import io.dostorage.state.VolumeStore;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rules of a volume's life on this node, as the protocol layer and the reconciliation call
 * them: create, mount, unmount, remove, the views Docker asks for, and the recovery after a crash.
 * It owns the invariants:
 * <ul>
 *   <li>input is checked before anything changes;</li>
 *   <li>a mount reference is on disk before the mountpoint is handed out, and a reference dockerd
 *       was given is never dropped; references are counted per caller ID (dockerd sends the same
 *       ID again for {@code docker cp}) and belong to the boot they were made in;</li>
 *   <li>a volume is unmounted and detached only when no reference is left (after a grace, counted
 *       from the last Unmount, that a new Mount cancels: {@link Releases}), so the next droplet
 *       finds it free;</li>
 *   <li>a volume held by another droplet is taken over only by a Mount whose caller still waits,
 *       and only as the takeover policy says ({@link Attachments}); never by recovery, the sweep or
 *       a release ({@link Recovery});</li>
 *   <li>a DigitalOcean volume is deleted only as the remove policy says, never while attached or
 *       mounted ({@link Lifecycle}).</li>
 * </ul>
 * Operations on one volume hold its lock ({@link VolumeLocks}) and are journalled step by step
 * ({@link Steps}); every one checks before it acts, so dockerd may repeat any call and a crash at
 * any step converges at the next start ({@link #prepare()}, then {@link #reconcile()}).
 *
 * <p>Requests run under a {@link Deadline}: one whose caller left stops at its next step and takes
 * back what it added.
 */
@ApplicationScoped
public class VolumeService {

    /** Tag put on every DigitalOcean volume this plugin creates, so every node can tell them from volumes users brought. */
    static final String CREATED_TAG = "dostorage:created";

    private static final Logger LOG = Logger.getLogger(VolumeService.class);
    private static final int MAX_CALLER_ID_LENGTH = 256;
    /** dockerd gives a volume driver's Mount 2 minutes (moby volume/drivers proxy, longTimeout); we keep 5 s for ourselves. */
    public static final Duration MOUNT_DEADLINE = Duration.ofSeconds(115);
    /** dockerd gives every other call of a volume driver 1 minute (shortTimeout); we keep 5 s for ourselves. */
    public static final Duration CALL_DEADLINE = Duration.ofSeconds(55);

    static final String MOUNT_REFERENCED = "mount-referenced";
    static final String UNMOUNT_UNREFERENCED = "unmount-unreferenced";

    private final VolumeStore store;
    private final Steps steps;
    private final Path mountRoot;
    private final VolumeLocks locks;
    private final Lifecycle lifecycle;
    private final Attachments attachments;
    private final Releases releases;
    private final Recovery recovery;

    VolumeService(VolumeStore store, VolumeHost host, Cloud cloud, RemoteVolumes remote, Steps steps, PluginConfig config,
                  Clock clock) {
        this.store = store;
        this.steps = steps;
        this.mountRoot = config.mountRoot().toAbsolutePath().normalize();
        PluginConfig.VolumeDefaults defaults = config.volumes();
        try {
            VolumeOptions.withDefaults(Map.of(), defaults.size(), defaults.fstype());
            VolumeOptions.check(Map.of(VolumeOptions.TAKEOVER, defaults.takeover(), VolumeOptions.REMOVE, defaults.remove()));
        } catch (InvalidRequestException e) {
            throw new IllegalStateException("settings DEFAULT_SIZE, DEFAULT_FSTYPE, TAKEOVER, REMOVE: " + e.getMessage(), e);
        }
        Duration worstMount = defaults.takeoverWait().plus(config.digitalocean().actionTimeout().multipliedBy(2))
                .plus(defaults.deviceTimeout());
        if (worstMount.compareTo(MOUNT_DEADLINE) > 0) {
            LOG.warnf("TAKEOVER_WAIT + 2 x ACTION_TIMEOUT + DEVICE_TIMEOUT = %ss, longer than dockerd's %ss deadline for a "
                    + "Mount: a slow takeover may fail in dockerd while it still goes on here", worstMount.toSeconds(),
                    MOUNT_DEADLINE.toSeconds());
        }
        this.locks = new VolumeLocks(config.lockTimeout());
        ActionWait actions = new ActionWait(cloud, host, config.digitalocean());
        this.releases = new Releases(store, host, cloud, actions, steps, locks, clock, mountRoot, defaults.unmountGrace());
        this.attachments = new Attachments(store, host, cloud, actions, steps, mountRoot,
                TakeoverPolicy.parse(defaults.takeover()), defaults.takeoverWait());
        this.lifecycle = new Lifecycle(store, host, cloud, remote, releases, steps, mountRoot, defaults,
                RemovePolicy.parse(defaults.remove()));
        this.recovery = new Recovery(store, host, cloud, remote, lifecycle, releases, locks, clock, mountRoot);
    }

    /** The folder volumes are mounted under; {@code <root>/<name>} is a volume's mount. */
    public Path mountRoot() {
        return mountRoot;
    }

    /**
     * Creates the volume in DigitalOcean, or adopts the one of that name in this droplet's region.
     * Creating a volume this node knows with the same options changes nothing; other options are
     * refused rather than silently ignored.
     */
    public Volume create(String name, Map<String, String> opts) {
        return create(name, opts, Deadline.none());
    }

    /** {@link #create(String, Map)}, stopping before DigitalOcean is asked to create anything once {@code deadline} is over. */
    public Volume create(String name, Map<String, String> opts, Deadline deadline) {
        String checked = VolumeName.check(name);
        Map<String, String> given = VolumeOptions.check(opts);
        return locks.operation(checked, "creating", deadline, () -> {
            recovery.finishLeftover(checked);
            return lifecycle.create(checked, given, deadline);
        });
    }

    /**
     * Mounts the volume for caller {@code callerId} and returns the folder to hand to the container:
     * attaches it here (taking it over from another droplet as the policy says), waits for its
     * device, formats it only if it is blank, mounts it. Each Mount counts one more reference of
     * (volume, ID), even for an ID that holds one already; several IDs share one mount.
     */
    public Path mount(String name, String callerId) {
        return mount(name, callerId, Deadline.none());
    }

    /**
     * {@link #mount(String, String)} for a caller who waits until {@code deadline}: once it is over
     * (the caller left, or its time is up) the Mount stops at its next step, takes its reference
     * back (dockerd sends no Unmount after a failed Mount) and never detaches another droplet.
     */
    public Path mount(String name, String callerId, Deadline deadline) {
        String checked = VolumeName.check(name);
        String id = checkCallerId(callerId);
        return locks.operation(checked, "mounting", deadline, () -> {
            recovery.finishLeftover(checked);
            StoredVolume volume = lifecycle.knownOrAdopted(checked);
            VolumeOptions options = VolumeOptions.fromMap(volume.options());
            // Counted before anything else, journalled with it in one transaction: recovery takes one
            // count back for a Mount whose journal says it counted and that never answered.
            steps.begin(checked, "mount", id);
            store.addReference(checked, id, MOUNT_REFERENCED);
            steps.passed(checked, MOUNT_REFERENCED);
            releases.cancel(checked);
            try {
                Path folder = attachments.mountedFolder(volume, options, deadline);
                steps.end(checked);
                return folder;
            } catch (RuntimeException e) {
                undo(e, () -> store.removeReference(checked, id, null));
                undo(e, () -> steps.end(checked));
                if (!hasReferences(checked)) {
                    releases.schedule(checked);
                }
                throw e;
            }
        });
    }

    /**
     * Takes back one Mount of caller {@code callerId}. After the last reference, the volume is
     * unmounted and detached once {@code UNMOUNT_GRACE} has passed since the last Unmount without a
     * new Mount. An unknown ID or volume is harmless: there is nothing to undo.
     */
    public void unmount(String name, String callerId) {
        unmount(name, callerId, Deadline.none());
    }

    /**
     * {@link #unmount(String, String)}; {@code deadline} bounds only the wait for the volume's lock.
     * Once it has the lock an Unmount runs to its end even if its caller left: dockerd does not send
     * it again, so a reference it kept would hold the volume here for ever.
     */
    public void unmount(String name, String callerId, Deadline deadline) {
        String checked = VolumeName.check(name);
        String id = checkCallerId(callerId);
        locks.operation(checked, "unmounting", deadline, () -> {
            Optional<StoredVolume> known = store.findVolume(checked);
            if (known.isEmpty()) {
                return null;
            }
            if (known.get().references().containsKey(id)) {
                steps.begin(checked, "unmount", id);
                store.removeReference(checked, id, UNMOUNT_UNREFERENCED);
                steps.passed(checked, UNMOUNT_UNREFERENCED);
                steps.end(checked);
            }
            if (!hasReferences(checked)) {
                releases.schedule(checked);
            }
            return null;
        });
    }

    /**
     * Removes the volume: refused while a container on this node has it mounted or another droplet
     * has it attached; otherwise it is released here and, as the remove policy says, deleted in
     * DigitalOcean. Removing a volume that is not known succeeds: it is already gone.
     */
    public void remove(String name) {
        remove(name, Deadline.none());
    }

    /**
     * {@link #remove(String)}; {@code deadline} bounds the wait for the lock and the checks. A Remove
     * that has passed its checks runs to its end, as recovery would finish it after a crash.
     */
    public void remove(String name, Deadline deadline) {
        String checked = VolumeName.check(name);
        locks.operation(checked, "removing", deadline, () -> {
            recovery.finishLeftover(checked);
            lifecycle.remove(checked, deadline);
            return null;
        });
    }

    /** The folder handed out while the volume is mounted here; empty while it is not. No DigitalOcean call for a known volume. */
    public Optional<Path> path(String name) {
        return lifecycle.path(VolumeName.check(name));
    }

    /** The volume from local state, no DigitalOcean call; one never created or adopted here is not found (see Lifecycle). */
    public Volume get(String name) {
        return lifecycle.get(VolumeName.check(name));
    }

    /**
     * {@link #get}'s answer when it needs neither SQLite, the host nor DigitalOcean, so that it never
     * blocks: a known volume, not mounted here, whose copy in memory is current (recovery reads every
     * known volume before the socket answers, so dockerd's Get of each volume it knows at its start
     * is one). Empty otherwise: {@link #get} answers, and may block. Its mountpoint is null: Path's
     * answer is then empty too.
     */
    public Optional<Volume> getFromMemory(String name) {
        return lifecycle.getFromMemory(VolumeName.check(name));
    }

    /** The volumes this node knows, and those of this region in DigitalOcean (from the short-lived copy). */
    public List<Volume> list() {
        return lifecycle.list();
    }

    /**
     * After a start: {@link #prepare()}, then {@link #reconcile()}, in this thread.
     *
     * @return the volumes that could not be brought in line, with the reason
     */
    public Map<String, String> recover() {
        prepare();
        return reconcile();
    }

    /**
     * The part of recovery that needs neither DigitalOcean nor the host, run before the socket
     * answers: voids the references of earlier boots (no container survives a reboot), and settles
     * the journal of Mounts and Unmounts a crash left in flight. A Mount that did not answer was
     * never acknowledged and dockerd will not Unmount it: its count is taken back if it was made. An
     * Unmount in flight is finished. Before any request, so that no new journal entry can replace one
     * left by the crash.
     */
    public void prepare() {
        recovery.prepare();
    }

    /**
     * The part of recovery that may talk to DigitalOcean, run once the socket answers (so that a DO
     * outage does not keep the plugin from starting): finishes an interrupted Create or Remove, then
     * brings each volume in line with its references. A referenced volume is mounted again only
     * while it is still attached here; one that another droplet holds now is left there, whatever
     * the local records say (recovery never takes a volume over: it has no caller who waits); one
     * that has no reference is released after the unmount grace, so that dockerd's Mounts of
     * restarted containers find it still attached.
     *
     * @return the volumes that could not be brought in line, with the reason
     */
    public Map<String, String> reconcile() {
        return recovery.reconcile();
    }

    /**
     * The periodic sweep: unmounts whatever is mounted under the mount root with no reference, and
     * releases volumes that have been attached here with no reference for longer than the grace. It
     * decides from local state only: an idle node makes no DigitalOcean call.
     *
     * @return the volumes released or unmounted
     */
    public List<String> sweep() {
        return recovery.sweep();
    }

    @PreDestroy
    void stop() {
        releases.stop();
    }

    private boolean hasReferences(String name) {
        return store.findVolume(name).map(StoredVolume::referenced).orElse(false);
    }

    private static String checkCallerId(String id) {
        if (id == null || id.isBlank()) {
            throw new InvalidRequestException("missing ID: Mount and Unmount need the caller's ID, which dockerd sends");
        }
        if (id.length() > MAX_CALLER_ID_LENGTH || id.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException("invalid ID " + Text.quote(id) + ": an ID is at most "
                    + MAX_CALLER_ID_LENGTH + " printable characters");
        }
        return id;
    }

    private static void undo(RuntimeException failure, Runnable undo) {
        try {
            undo.run();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
