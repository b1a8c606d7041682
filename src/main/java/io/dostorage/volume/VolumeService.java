package io.dostorage.volume;

import io.dostorage.config.PluginConfig;
import io.dostorage.deadline.Deadline;
import io.dostorage.deadline.DeadlineException;
import io.dostorage.digitalocean.DigitalOcean;
import io.dostorage.digitalocean.DigitalOceanException;
import io.dostorage.digitalocean.DoDroplet;
import io.dostorage.digitalocean.DoVolume;
import io.dostorage.digitalocean.NewVolume;
import io.dostorage.digitalocean.ThisDroplet;
import io.dostorage.host.DeviceLinks;
import io.dostorage.host.HostException;
import io.dostorage.host.VolumeHost;
import io.dostorage.state.Operation;
import io.dostorage.state.StateException;
import io.dostorage.state.StoredVolume;
import io.dostorage.state.VolumeStore;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The rules of a volume's life on this node: create, mount, unmount, remove, the views Docker asks
 * for, and the reconciliation after a crash. It owns the invariants:
 * <ul>
 *   <li>input is checked before anything changes;</li>
 *   <li>a mount reference is on disk before the mountpoint is handed out, and a reference dockerd
 *       was given is never dropped; references are counted per caller ID (dockerd sends the same
 *       ID again for {@code docker cp}) and belong to the boot they were made in;</li>
 *   <li>a volume is unmounted and detached only when no reference is left (after a grace, counted
 *       from the last Unmount, that a new Mount cancels), so the next droplet finds it free;</li>
 *   <li>a volume held by another droplet is taken over only by a Mount whose caller still waits,
 *       and only as the takeover policy says; never by recovery, the sweep or a release;</li>
 *   <li>a DigitalOcean volume is deleted only as the remove policy says, never while attached or
 *       mounted.</li>
 * </ul>
 * Operations on one volume hold its lock and are journalled step by step ({@link Steps}); every
 * one checks before it acts, so dockerd may repeat any call and a crash at any step converges at
 * the next start ({@link #prepare()}, then {@link #reconcile()}).
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

    static final String MOUNT_REFERENCED = "mount-referenced";
    static final String UNMOUNT_UNREFERENCED = "unmount-unreferenced";

    private final VolumeStore store;
    private final VolumeHost host;
    private final DeviceLinks devices;
    private final DigitalOcean digitalOcean;
    private final ThisDroplet droplet;
    private final RemoteVolumes remote;
    private final Steps steps;
    private final Clock clock;
    private final Path mountRoot;
    private final PluginConfig.VolumeDefaults defaults;
    private final TakeoverPolicy takeover;
    private final VolumeLocks locks;
    private final ScheduledExecutorService releases;
    /** When each volume lost its last reference in this process; the sweep releases after the grace. */
    private final Map<String, Instant> unreferencedSince = new ConcurrentHashMap<>();
    /** The release timer each volume waits for, by ticket: a later Unmount restarts the grace, a Mount cancels it. */
    private final Map<String, Long> pendingReleases = new ConcurrentHashMap<>();
    private final AtomicLong releaseTickets = new AtomicLong();
    /**
     * Volumes whose Create or Remove a crash cut short, left by {@link #prepare()} for
     * {@link #reconcile()}; a request for one of them finishes it first, so that it never acts on a
     * half-made or half-removed volume.
     */
    private final Map<String, Boolean> leftovers = new ConcurrentHashMap<>();
    /** Takeover waits in progress, by volume: see {@link #TAKEOVER_WAIT_FORGOTTEN}. */
    private final Map<String, TakeoverWait> takeoverWaits = new ConcurrentHashMap<>();

    VolumeService(VolumeStore store, VolumeHost host, DeviceLinks devices, DigitalOcean digitalOcean, ThisDroplet droplet,
                  RemoteVolumes remote, Steps steps, PluginConfig config, Clock clock) {
        this.store = store;
        this.host = host;
        this.devices = devices;
        this.digitalOcean = digitalOcean;
        this.droplet = droplet;
        this.remote = remote;
        this.steps = steps;
        this.clock = clock;
        this.mountRoot = config.mountRoot().toAbsolutePath().normalize();
        this.defaults = config.volumes();
        this.locks = new VolumeLocks(config.lockTimeout());
        this.releases = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "dostorage-release");
            thread.setDaemon(true);
            return thread;
        });
        try {
            VolumeOptions.withDefaults(Map.of(), defaults.size(), defaults.fstype());
            VolumeOptions.check(Map.of(VolumeOptions.TAKEOVER, defaults.takeover(), VolumeOptions.REMOVE, defaults.remove()));
        } catch (InvalidRequestException e) {
            throw new IllegalStateException("settings DEFAULT_SIZE, DEFAULT_FSTYPE, TAKEOVER, REMOVE: " + e.getMessage(), e);
        }
        this.takeover = TakeoverPolicy.parse(defaults.takeover());
        Duration worstMount = defaults.takeoverWait().plus(config.digitalocean().actionTimeout().multipliedBy(2))
                .plus(defaults.deviceTimeout());
        if (worstMount.compareTo(MOUNT_DEADLINE) > 0) {
            LOG.warnf("TAKEOVER_WAIT + 2 x ACTION_TIMEOUT + DEVICE_TIMEOUT = %ss, longer than dockerd's %ss deadline for a "
                    + "Mount: a slow takeover may fail in dockerd while it still goes on here", worstMount.toSeconds(),
                    MOUNT_DEADLINE.toSeconds());
        }
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
        VolumeOptions options = VolumeOptions.withDefaults(given, defaults.size(), defaults.fstype());
        return operation(checked, "creating", deadline, () -> {
            finishLeftover(checked);
            Optional<StoredVolume> known = store.findVolume(checked);
            if (known.isPresent()) {
                requireSameOptions(known.get().name(), known.get().options(), given);
                return view(known.get());
            }
            String region = droplet.region();
            Optional<DoVolume> existing = digitalOcean.findVolume(checked, region);
            DoVolume volume;
            if (existing.isPresent()) {
                volume = adopt(existing.get(), given);
            } else {
                deadline.check("creating volume " + checked + " in DigitalOcean");
                steps.begin(checked, "create", null);
                List<String> tags = new ArrayList<>(options.tags());
                tags.add(CREATED_TAG);
                tags.addAll(OptionTags.encode(options.toMap()));
                volume = digitalOcean.createVolume(new NewVolume(checked, options.sizeGib(), region,
                        options.description() == null ? "Created by dostorage" : options.description(),
                        options.snapshot(), tags));
                steps.reached(checked, "create-created");
            }
            record(checked, volume, given);
            steps.end(checked);
            remote.invalidate();
            return view(store.findVolume(checked).orElseThrow());
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
        return operation(checked, "mounting", deadline, () -> {
            finishLeftover(checked);
            StoredVolume volume = knownOrAdopted(checked);
            VolumeOptions options = VolumeOptions.fromMap(volume.options());
            // Counted before anything else, journalled with it in one transaction: recovery takes one
            // count back for a Mount whose journal says it counted and that never answered.
            steps.begin(checked, "mount", id);
            store.addReference(checked, id, MOUNT_REFERENCED);
            steps.passed(checked, MOUNT_REFERENCED);
            cancelRelease(checked);
            try {
                Path folder = mountedFolder(volume, options, deadline);
                steps.end(checked);
                return folder;
            } catch (RuntimeException e) {
                undo(e, () -> store.removeReference(checked, id, null));
                undo(e, () -> steps.end(checked));
                if (!hasReferences(checked)) {
                    scheduleRelease(checked);
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
        operation(checked, "unmounting", deadline, () -> {
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
                scheduleRelease(checked);
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
        operation(checked, "removing", deadline, () -> {
            finishLeftover(checked);
            Optional<StoredVolume> known = store.findVolume(checked);
            if (known.isEmpty()) {
                return null;
            }
            StoredVolume volume = known.get();
            int users = volume.references().size();
            if (volume.referenced()) {
                throw new VolumeInUseException("removing volume " + checked + ": it is mounted on this node for "
                        + users + " container(s); stop them, or run docker volume rm again once they are gone");
            }
            Optional<DoVolume> current = volume.doId() == null ? Optional.empty() : digitalOcean.getVolume(volume.doId());
            long me = droplet.id();
            List<Long> others = current.map(v -> v.dropletIds().stream().filter(d -> d != me).toList()).orElse(List.of());
            if (!others.isEmpty()) {
                throw new VolumeInUseException("removing volume " + checked + ": it is attached to droplet "
                        + others.get(0) + "; remove it where it is used, or once it is released there");
            }
            deadline.check("removing volume " + checked);
            steps.begin(checked, "remove", null);
            releaseNow(volume);
            String policy = removePolicy(volume);
            if (current.isPresent() && deletes(volume)) {
                digitalOcean.deleteVolume(current.get().id());
                steps.reached(checked, "remove-deleted");
                LOG.infof("deleted DigitalOcean volume %s (%s), remove policy %s", checked, current.get().id(), policy);
            }
            store.deleteVolume(checked);
            steps.end(checked);
            cancelRelease(checked);
            remote.forget(checked);
            return null;
        });
    }

    /** The folder handed out while the volume is mounted here; empty while it is not. No DigitalOcean call for a known volume. */
    public Optional<Path> path(String name) {
        String checked = VolumeName.check(name);
        Optional<StoredVolume> known = store.findVolume(checked);
        if (known.isPresent()) {
            return Optional.ofNullable(view(known.get()).mountpoint());
        }
        remoteOnly(checked);
        return Optional.empty();
    }

    /** The volume from local state; one this node does not know, from the short-lived copy of DigitalOcean's list. */
    public Volume get(String name) {
        String checked = VolumeName.check(name);
        Optional<StoredVolume> known = store.findVolume(checked);
        return known.map(this::view).orElseGet(() -> view(remoteOnly(checked)));
    }

    /** The volumes this node knows, and those of this region in DigitalOcean (from the short-lived copy). */
    public List<Volume> list() {
        Map<String, Volume> all = new LinkedHashMap<>();
        store.listVolumes().forEach(v -> all.put(v.name(), view(v)));
        try {
            remote.all().stream().filter(v -> !all.containsKey(v.name())).forEach(v -> all.put(v.name(), view(v)));
        } catch (DigitalOceanException | FaultToleranceException e) {
            LOG.warnf("listing DigitalOcean's volumes: %s; listing only the volumes this node knows", e.getMessage());
        }
        return List.copyOf(all.values());
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
                operation(volume.name(), "reconciling", Deadline.none(), () -> {
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
        Path root = rootOf(volume.name());
        long me = droplet.id();
        boolean mounted = host.isMounted(root);
        if (volume.referenced() && mounted) {
            return;
        }
        if (volume.referenced() && devices.present(volume.name())) {
            // The disk is here, so it is attached here: no DigitalOcean call needed.
            host.mount(volume.name(), VolumeOptions.fromMap(volume.options()).fsType(), root, Deadline.none());
            return;
        }
        boolean recordedHere = volume.attached().filter(d -> d == me).isPresent();
        if (!volume.referenced() && !mounted && !recordedHere) {
            return;
        }
        Optional<DoVolume> current;
        try {
            current = volume.doId() == null ? Optional.empty() : digitalOcean.getVolume(volume.doId());
        } catch (DigitalOceanException | FaultToleranceException e) {
            if (volume.referenced()) {
                throw e;
            }
            scheduleRelease(volume.name()); // the release asks DigitalOcean again, and the sweep after it
            return;
        }
        List<Long> holders = current.map(DoVolume::dropletIds).orElse(List.of());
        Optional<Long> other = holders.stream().filter(d -> d != me).findFirst();
        if (other.isPresent()) {
            lost(volume, other.get());
            if (mounted && !volume.referenced()) {
                host.unmount(root);
            }
        } else if (!volume.referenced()) {
            scheduleRelease(volume.name());
        } else if (holders.contains(me)) {
            host.mount(volume.name(), VolumeOptions.fromMap(volume.options()).fsType(), root, Deadline.none());
        } else {
            LOG.warnf("volume %s has %d reference(s) on this node but is attached to no droplet; recovery does not "
                    + "attach it (another droplet may be about to), the next Mount will", volume.name(), volume.mounts());
        }
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

    /**
     * The periodic sweep: unmounts whatever is mounted under the mount root with no reference, and
     * releases volumes that have been attached here with no reference for longer than the grace. It
     * decides from local state only: an idle node makes no DigitalOcean call.
     *
     * @return the volumes released or unmounted
     */
    public List<String> sweep() {
        List<String> done = new ArrayList<>();
        Instant now = clock.instant();
        for (Path mount : host.mountsUnder(mountRoot)) {
            String name = mount.getFileName().toString();
            if (store.findVolume(name).isEmpty() && Boolean.TRUE.equals(operation(name, "unmounting orphaned", Deadline.none(), () -> {
                if (store.findVolume(name).isEmpty() && host.isMounted(mount)) {
                    host.unmount(mount);
                    return true;
                }
                return false;
            }))) {
                done.add(name);
            }
        }
        long me = droplet.id();
        for (StoredVolume volume : store.listVolumes()) {
            boolean held = volume.attached().filter(d -> d == me).isPresent() || host.isMounted(rootOf(volume.name()));
            if (volume.referenced() || !held) {
                continue;
            }
            Instant since = unreferencedSince.computeIfAbsent(volume.name(), n -> now);
            if (!since.plus(defaults.unmountGrace()).isAfter(now) && release(volume.name())) {
                done.add(volume.name());
            }
        }
        return done;
    }

    /** Releases the volume if it has no reference: unmounts it and detaches it from this droplet. */
    boolean release(String name) {
        return Boolean.TRUE.equals(operation(name, "releasing", Deadline.none(), () -> {
            Optional<StoredVolume> volume = store.findVolume(name);
            if (volume.isEmpty() || volume.get().referenced()) {
                return false;
            }
            return releaseNow(volume.get());
        }));
    }

    @PreDestroy
    void stop() {
        releases.shutdownNow();
    }

    private Path mountedFolder(StoredVolume volume, VolumeOptions options, Deadline deadline) {
        Path root = rootOf(volume.name());
        if (!host.isMounted(root)) {
            attachHere(volume, options, deadline);
            deadline.check("mounting volume " + volume.name());
            host.mount(volume.name(), options.fsType(), root, deadline);
            steps.reached(volume.name(), "mount-mounted");
        }
        if (options.subpath() == null) {
            return root;
        }
        Path folder = root.resolve(options.subpath()).normalize();
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new HostException("creating sub-folder " + options.subpath() + " on volume " + volume.name() + ": " + e, e);
        }
        return folder;
    }

    private void attachHere(StoredVolume volume, VolumeOptions options, Deadline deadline) {
        long me = droplet.id();
        DoVolume current = digitalOcean.getVolume(volume.doId()).orElseThrow(() -> new VolumeException("attaching volume "
                + volume.name() + " to droplet " + me + ": DigitalOcean has no volume " + volume.doId()
                + " any more; remove it with docker volume rm"));
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
        // The disk appearing here ends the wait as well as DO's action status does, and costs no poll.
        long started = System.nanoTime();
        digitalOcean.attach(current, me, () -> devices.present(volume.name()), deadline);
        steps.reached(volume.name(), "mount-attached");
        // At INFO: an operator follows a volume from droplet to droplet (a Swarm move) in the logs.
        LOG.infof("attached volume %s to droplet %d in %d ms", volume.name(), me,
                Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    /**
     * Another droplet holds the volume: waits for it, detaches it from there, or fails, as the
     * policy says. Only for a Mount whose caller still waits: a caller who left never gets a volume
     * detached by force on its behalf.
     */
    private DoVolume takeOver(DoVolume volume, VolumeOptions options, Deadline deadline) {
        long holder = volume.dropletIds().get(0);
        TakeoverPolicy policy = options.takeover() == null ? takeover : TakeoverPolicy.parse(options.takeover());
        Optional<DoDroplet> holderNow = digitalOcean.droplet(holder);
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
                    ? ", which did not release it within " + defaults.takeoverWait().toSeconds() + "s" : "";
            throw new VolumeInUseException("mounting volume " + volume.name() + ": it is attached to " + who + waited
                    + "; takeover policy " + policy.word() + " does not detach a volume from another droplet. "
                    + "Stop the container that uses it there, or mount it with takeover policy wait or force");
        }
        deadline.check("detaching volume " + volume.name() + " from " + who + " by force");
        LOG.warnf("taking volume %s over from %s: detaching it from there (takeover policy %s)", volume.name(), who,
                policy.word());
        DoVolume detached = digitalOcean.detach(volume, holder, deadline);
        takeoverWaits.remove(volume.name());
        return detached;
    }

    /**
     * Polls the volume until no droplet holds it, within TAKEOVER_WAIT counted from the first Mount
     * that waited for this holder (see {@link #TAKEOVER_WAIT_FORGOTTEN}): under dockerd's 30 s cap
     * each Mount is cut short and sent again, and a wait that started afresh each time would never
     * end. Returns empty once the wait is used up.
     */
    private Optional<DoVolume> waitForRelease(DoVolume volume, long holder, Deadline deadline) {
        Duration wait = defaults.takeoverWait();
        long now = System.nanoTime();
        TakeoverWait waiting = takeoverWaits.compute(volume.name(),
                (name, old) -> old != null && old.holder() == holder && !old.forgotten(now) ? old.askedAt(now)
                        : new TakeoverWait(holder, now, now));
        if (waiting.since() != now) {
            LOG.infof("volume %s: still waiting for droplet %d to release it, %ds of TAKEOVER_WAIT=%ds spent by earlier "
                    + "Mounts", volume.name(), holder, Duration.ofNanos(now - waiting.since()).toSeconds(), wait.toSeconds());
        }
        long end = waiting.since() + wait.toNanos();
        try {
            Duration poll;
            while (System.nanoTime() + (poll = releasePoll(Duration.ofNanos(System.nanoTime() - waiting.since()), wait)).toNanos()
                    - end <= 0) {
                deadline.sleep(poll, "waiting for droplet " + holder + " to release volume " + volume.name());
                Optional<DoVolume> current = digitalOcean.getVolume(volume.id());
                if (current.isEmpty()) {
                    throw new VolumeException("mounting volume " + volume.name() + ": it was deleted in DigitalOcean while "
                            + "waiting for droplet " + holder + " to release it");
                }
                if (current.get().dropletIds().isEmpty()) {
                    takeoverWaits.remove(volume.name());
                    return current;
                }
            }
            return Optional.empty();
        } finally {
            takeoverWaits.computeIfPresent(volume.name(), (name, w) -> w.askedAt(System.nanoTime()));
        }
    }

    /** Unmounts the volume if mounted here and detaches it if attached here; true when it did either. */
    private boolean releaseNow(StoredVolume volume) {
        Path root = rootOf(volume.name());
        long me = droplet.id();
        boolean mounted = host.isMounted(root);
        boolean attachedHere = volume.attached().filter(d -> d == me).isPresent();
        if (!mounted && !attachedHere) {
            return false;
        }
        steps.begin(volume.name(), "release", null);
        if (mounted) {
            host.unmount(root);
            steps.reached(volume.name(), "release-unmounted");
        }
        String detached = "it was not attached here";
        if (attachedHere && volume.doId() != null) {
            // Names this droplet only: a volume another droplet took over meanwhile stays there (DO answers
            // "attachment not found", which is success here).
            long started = System.nanoTime();
            boolean was = digitalOcean.release(new DoVolume(volume.doId(), volume.name(), volume.region(), 0, List.of(me),
                    null, List.of(), null, null), me);
            detached = was ? "detached from droplet " + me + " in " + Duration.ofNanos(System.nanoTime() - started).toMillis()
                    + " ms" : "DigitalOcean has it attached to another droplet now, which keeps it (nothing detached)";
            store.setAttached(volume.name(), null);
            steps.reached(volume.name(), "release-detached");
        }
        steps.end(volume.name());
        cancelRelease(volume.name());
        LOG.infof("released volume %s: %s%s", volume.name(), mounted ? "unmounted; " : "", detached);
        return true;
    }

    /**
     * Releases the volume once the grace has passed, counted from now: a later call restarts the
     * grace (the last Unmount counts), a Mount cancels it ({@link #cancelRelease}).
     */
    private void scheduleRelease(String name) {
        unreferencedSince.put(name, clock.instant());
        long ticket = releaseTickets.incrementAndGet();
        pendingReleases.put(name, ticket);
        Duration grace = defaults.unmountGrace();
        if (grace.isZero()) {
            if (pendingReleases.remove(name, ticket)) {
                release(name);
            }
            return;
        }
        releases.schedule(() -> {
            if (!pendingReleases.remove(name, ticket)) {
                return; // a later Unmount restarted the grace, or a Mount took the volume
            }
            try {
                release(name);
            } catch (RuntimeException e) {
                LOG.errorf("releasing volume %s after its last unmount: %s (the sweep tries again)", name, e.getMessage());
            }
        }, grace.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void cancelRelease(String name) {
        pendingReleases.remove(name);
        unreferencedSince.remove(name);
    }

    /**
     * Finishes an interrupted Create or Remove, under the volume's lock and only while the journal
     * still holds that entry (a request since may have settled it).
     */
    private void finish(Operation operation) {
        String name = operation.volume();
        operation(name, "recovering " + operation.kind() + " of", Deadline.none(), () -> {
            leftovers.remove(name);
            if (!store.operations().contains(operation)) {
                return null;
            }
            switch (operation.kind()) {
                // A Create that died after DO made the volume: record it, so it is not left unknown.
                case "create" -> {
                    if (store.findVolume(name).isEmpty()) {
                        digitalOcean.findVolume(name, droplet.region()).ifPresent(v -> record(name, v, Map.of()));
                    }
                }
                // A Remove runs to its end: it had passed its checks; unless the volume is in use again.
                case "remove" -> store.findVolume(name).ifPresent(volume -> {
                    if (volume.referenced()) {
                        LOG.warnf("not finishing the interrupted removal of volume %s: it is mounted again", name);
                        return;
                    }
                    releaseNow(volume);
                    if (volume.doId() != null && deletes(volume)) {
                        digitalOcean.deleteVolume(volume.doId());
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

    /** Finishes the volume's Create or Remove that a crash cut short, if {@link #prepare()} left one. */
    private void finishLeftover(String name) {
        if (leftovers.containsKey(name)) {
            store.operations().stream().filter(o -> o.volume().equals(name)).findFirst().ifPresent(this::finish);
            leftovers.remove(name);
        }
    }

    private StoredVolume knownOrAdopted(String name) {
        Optional<StoredVolume> known = store.findVolume(name);
        if (known.isPresent()) {
            return known.get();
        }
        DoVolume volume = digitalOcean.findVolume(name, droplet.region()).orElseThrow(() -> new VolumeNotFoundException(name));
        record(name, volume, Map.of());
        return store.findVolume(name).orElseThrow();
    }

    /**
     * Takes an existing DigitalOcean volume as it is: options given now must agree with what it
     * is (its size, and the options its tags carry); carried options it lacks are added to its tags.
     */
    private DoVolume adopt(DoVolume volume, Map<String, String> given) {
        List<String> differences = new ArrayList<>();
        if (given.containsKey(VolumeOptions.SIZE) && Integer.parseInt(given.get(VolumeOptions.SIZE)) != volume.sizeGib()) {
            differences.add("size " + volume.sizeGib() + " GiB (asked: " + given.get(VolumeOptions.SIZE) + ")");
        }
        Map<String, String> carried = OptionTags.decode(volume.tags());
        Map<String, String> missing = new LinkedHashMap<>();
        for (String key : OptionTags.CARRIED) {
            if (given.containsKey(key) && carried.containsKey(key) && !carried.get(key).equals(given.get(key))) {
                differences.add(key + "=" + carried.get(key) + " (asked: " + given.get(key) + ")");
            } else if (given.containsKey(key) && !carried.containsKey(key)) {
                missing.put(key, given.get(key));
            }
        }
        if (!differences.isEmpty()) {
            throw new VolumeConflictException("creating volume " + volume.name() + ": DigitalOcean volume " + volume.name()
                    + " in " + volume.region() + " already exists with " + String.join(", ", differences)
                    + "; use it without these -o options, or pick another name");
        }
        List<String> tags = new ArrayList<>(volume.tags());
        for (String tag : OptionTags.encode(missing)) {
            digitalOcean.tagVolume(volume.id(), tag);
            tags.add(tag);
        }
        return new DoVolume(volume.id(), volume.name(), volume.region(), volume.sizeGib(), volume.dropletIds(),
                volume.description(), tags, volume.filesystemType(), volume.createdAt());
    }

    /** Records a DigitalOcean volume locally, with the options its tags carry, the ones given, and the defaults. */
    private void record(String name, DoVolume volume, Map<String, String> given) {
        Map<String, String> options = new LinkedHashMap<>(OptionTags.decode(volume.tags()));
        options.putAll(given);
        Map<String, String> stored = new LinkedHashMap<>(
                VolumeOptions.withDefaults(options, defaults.size(), defaults.fstype()).toMap());
        stored.put(VolumeOptions.SIZE, Integer.toString(volume.sizeGib()));
        store.insertVolume(name, stored, volume.id(), volume.region(), volume.tags().contains(CREATED_TAG),
                volume.dropletIds().isEmpty() ? null : volume.dropletIds().get(0));
    }

    private DoVolume remoteOnly(String name) {
        try {
            return remote.find(name).orElseThrow(() -> new VolumeNotFoundException(name));
        } catch (DigitalOceanException | FaultToleranceException e) {
            throw new VolumeException("looking up volume " + name + " in DigitalOcean: " + e.getMessage(), e);
        }
    }

    private boolean hasReferences(String name) {
        return store.findVolume(name).map(StoredVolume::referenced).orElse(false);
    }

    private String removePolicy(StoredVolume volume) {
        return volume.options().getOrDefault(VolumeOptions.REMOVE, defaults.remove());
    }

    /** Whether the remove policy deletes the DigitalOcean volume. */
    private boolean deletes(StoredVolume volume) {
        String policy = removePolicy(volume);
        return policy.equals("delete") || policy.equals("delete-created") && volume.createdHere();
    }

    private Volume view(StoredVolume volume) {
        VolumeOptions options = VolumeOptions.fromMap(volume.options());
        Path root = rootOf(volume.name());
        boolean mounted = volume.referenced();
        Path mountpoint = mounted ? (options.subpath() == null ? root : root.resolve(options.subpath()).normalize()) : null;
        Map<String, Object> status = new LinkedHashMap<>(volume.options());
        status.put("id", String.valueOf(volume.doId()));
        status.put("region", String.valueOf(volume.region()));
        status.put("attached_droplet", volume.attached().map(String::valueOf).orElse("none"));
        status.put("created_by_plugin", volume.createdHere());
        status.put("backing", host.kind());
        status.put("references", volume.mounts());
        if (volume.referenced()) {
            // Per caller ID (dockerd's mount ID of a container): how many Mounts it holds without their Unmount.
            status.put("references_by_id", volume.references());
        }
        return new Volume(volume.name(), mountpoint, volume.createdAt(), status);
    }

    private Volume view(DoVolume volume) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("id", volume.id());
        status.put("region", volume.region());
        status.put(VolumeOptions.SIZE, Integer.toString(volume.sizeGib()));
        if (volume.filesystemType() != null) {
            status.put(VolumeOptions.FSTYPE, volume.filesystemType());
        }
        status.put("attached_droplet", volume.dropletIds().isEmpty() ? "none" : String.valueOf(volume.dropletIds().get(0)));
        status.put("created_by_plugin", volume.tags().contains(CREATED_TAG));
        status.putAll(OptionTags.decode(volume.tags()));
        status.put("references", 0);
        return new Volume(volume.name(), null, volume.createdAt() == null ? Instant.EPOCH : volume.createdAt(), status);
    }

    private Path rootOf(String name) {
        return mountRoot.resolve(name);
    }

    private static void requireSameOptions(String name, Map<String, String> existing, Map<String, String> given) {
        List<String> differences = new ArrayList<>();
        given.forEach((key, value) -> {
            String current = existing.get(key);
            if (!value.equals(current)) {
                differences.add(key + "=" + (current == null ? "(unset)" : current) + " (asked: " + value + ")");
            }
        });
        if (!differences.isEmpty()) {
            throw new VolumeConflictException("creating volume " + name + ": it already exists with "
                    + String.join(", ", differences) + "; use it without -o, or remove it first");
        }
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

    /**
     * Runs {@code work} under the volume's lock, and turns a failure of a layer below into one
     * message: "mounting volume pgdata: <cause>".
     */
    private <T> T operation(String name, String doing, Deadline deadline, Supplier<T> work) {
        try {
            return locks.withLock(name, doing, deadline, () -> {
                try {
                    return work.get();
                } catch (StateException | HostException | DigitalOceanException | FaultToleranceException e) {
                    throw new VolumeException(doing + " volume " + name + ": " + e.getMessage(), e);
                }
            });
        } catch (DeadlineException e) {
            throw new VolumeException(doing + " volume " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * The interval before the next poll of a volume another droplet holds, {@code elapsed} into the
     * wait: a quarter of the time waited so far, from {@link #FIRST_RELEASE_POLL} up to TAKEOVER_WAIT
     * / 20 and at most {@link #LAST_RELEASE_POLL}. So a release is seen at most a quarter late (a
     * moved service's old droplet lets go about a grace and a detach after the wait began: it is seen
     * within half a second), and a holder that keeps the volume costs about four calls per doubling of
     * the wait, then one per interval: about 30 over a 40 s TAKEOVER_WAIT.
     */
    static Duration releasePoll(Duration elapsed, Duration takeoverWait) {
        Duration cap = takeoverWait.dividedBy(20);
        cap = cap.compareTo(FIRST_RELEASE_POLL) < 0 ? FIRST_RELEASE_POLL : cap.compareTo(LAST_RELEASE_POLL) > 0 ? LAST_RELEASE_POLL : cap;
        Duration poll = elapsed.dividedBy(4);
        return poll.compareTo(FIRST_RELEASE_POLL) < 0 ? FIRST_RELEASE_POLL : poll.compareTo(cap) > 0 ? cap : poll;
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

    private static void undo(RuntimeException failure, Runnable undo) {
        try {
            undo.run();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
