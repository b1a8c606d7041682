package io.dostorage.emulator;

import io.dostorage.emulator.StateDocument.Action;
import io.dostorage.emulator.StateDocument.Droplet;
import io.dostorage.emulator.StateDocument.Snapshot;
import io.dostorage.emulator.StateDocument.Volume;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The emulated DigitalOcean account: volumes, droplets, volume actions, snapshots and tags, with
 * the rules DO's API applies to them. One lock (this object) guards everything; every change is
 * written to the state file (when there is one) before the lock is released, and the device side
 * (backing files, links, loop devices) changes under the same lock, so the three never disagree.
 *
 * <p>Volume actions complete on a timer at their due time ({@code started_at + actionDelay}); every
 * request also completes the actions already due before it is answered, so an answer never shows an
 * action "in-progress" past its due time.
 *
 * <p>Why this file is long (about 550 lines): every rule that reads or changes the account (a name
 * taken, a volume attached, a droplet with a pending event, the volume limit) runs under this one
 * lock and ends in one {@code persist()}, so the state lives in one class; splitting it would spread
 * the lock and the state file over several. What needs no state is elsewhere: the checks of what a
 * request asks for ({@link VolumeRules}), the JSON ({@link Wire}), the devices ({@link Devices}).
 */
final class Cloud implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Cloud.class.getName());

    /** DO's largest volume, 16 TiB, from its API description (resize maximum 16384). */
    static final int MAX_SIZE_GIGABYTES = 16384;
    static final Set<String> DROPLET_STATUSES = Set.of("new", "active", "off", "archive");

    static final String ATTACH = "attach_volume";
    static final String DETACH = "detach_volume";
    static final String RESIZE = "resize_volume";

    private final Clock clock;
    private final Duration actionDelay;
    private final int volumeLimit;
    private final Faults faults;
    private final Devices devices;
    private final StateFile stateFile;
    private final ScheduledExecutorService timer;

    private final Map<String, Volume> volumes = new LinkedHashMap<>();
    private final Map<Long, Droplet> droplets = new TreeMap<>();
    private final Map<Long, Action> actions = new LinkedHashMap<>();
    private final Map<String, Snapshot> snapshots = new LinkedHashMap<>();
    private final Set<String> tags = new LinkedHashSet<>();
    private long nextActionId = 1_000_000_001L;
    private int pendingEventRefusals;

    /** @param stateFile null keeps everything in memory */
    Cloud(Clock clock, Duration actionDelay, int volumeLimit, Faults faults, Devices devices, StateFile stateFile) {
        this.clock = clock;
        this.actionDelay = actionDelay;
        this.volumeLimit = volumeLimit;
        this.faults = faults;
        this.devices = devices;
        this.stateFile = stateFile;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "do-emulator-actions");
            t.setDaemon(true);
            return t;
        });
        if (stateFile != null) {
            stateFile.load().ifPresent(this::restore);
        }
    }

    // ---- volumes ----

    /** What {@code POST /v2/volumes} asks for; the emulator never formats a volume, so no filesystem fields. */
    record NewVolume(String name, Integer sizeGigabytes, String region, String description, String snapshotId,
                     List<String> tags) {
    }

    synchronized List<Volume> volumes(String name, String region) {
        settle();
        return volumes.values().stream()
                .filter(v -> name == null || v.name().equals(name))
                .filter(v -> region == null || v.region().equals(region))
                .toList();
    }

    synchronized Volume volume(String id) {
        settle();
        Volume volume = volumes.get(id);
        if (volume == null) {
            throw DoApiError.notFound();
        }
        return volume;
    }

    synchronized Optional<Volume> volumeByName(String name, String region) {
        settle();
        return volumes.values().stream()
                .filter(v -> v.name().equals(name) && v.region().equals(region))
                .findFirst();
    }

    /**
     * Creates a volume. Names are unique per region (DO: "You can only create one volume per region
     * with the same name"); DO answers a second one with 409 (seen as {@code conflict} and as
     * {@code already_exists} with the text "already exists"; the emulator says {@code conflict}).
     */
    synchronized Volume createVolume(NewVolume request) {
        settle();
        VolumeRules.checkNameAndRegion(request);
        Snapshot snapshot = null;
        if (request.snapshotId() != null) {
            snapshot = snapshots.get(request.snapshotId());
            if (snapshot == null) {
                throw DoApiError.notFound();
            }
        }
        int size = VolumeRules.checkSize(request, snapshot);
        List<String> volumeTags = VolumeRules.tagList(request.tags());
        String name = request.name();
        if (volumeByName(name, request.region()).isPresent()) {
            throw DoApiError.conflict("a volume named " + name + " already exists in region " + request.region());
        }
        String id = UUID.randomUUID().toString();
        devices.create(id, size, snapshot == null ? null : snapshot.id());
        Volume volume = new Volume(id, name, request.region(), size,
                request.description() == null ? "" : request.description(), volumeTags,
                snapshot == null ? null : snapshot.id(), clock.instant(), null);
        volumes.put(id, volume);
        tags.addAll(volumeTags);
        persist();
        return volume;
    }

    /**
     * Deletes a volume. DO refuses while it is attached: 409 with {@link DoErrorText#ATTACHED_VOLUME}.
     * A volume with an attach still running counts as attached.
     */
    synchronized void deleteVolume(String id) {
        Volume volume = volume(id);
        boolean attaching = actions.values().stream()
                .anyMatch(a -> a.inProgress() && a.volumeId().equals(id) && a.type().equals(ATTACH));
        if (volume.dropletId() != null || attaching) {
            throw DoApiError.conflict(DoErrorText.ATTACHED_VOLUME);
        }
        devices.delete(id);
        volumes.remove(id);
        persist();
    }

    // ---- volume actions ----

    record ActionRequest(String type, Long dropletId, Integer sizeGigabytes, String region) {
    }

    /**
     * Starts an attach, detach or resize; it completes (and takes effect) after the action delay.
     * The refusals are DO's 422s, with the texts in {@link DoErrorText}.
     */
    synchronized Action startAction(String volumeId, ActionRequest request) {
        Volume volume = volume(volumeId);
        if (request.region() != null && !request.region().equals(volume.region())) {
            throw DoApiError.unprocessable("volume " + volume.name() + " is in region " + volume.region()
                    + ", not " + request.region());
        }
        String type = request.type() == null ? "" : request.type();
        Action action = switch (type) {
            case "attach" -> startAttach(volume, request.dropletId());
            case "detach" -> startDetach(volume, request.dropletId());
            case "resize" -> startResize(volume, request.sizeGigabytes());
            default -> throw DoApiError.unprocessable("type must be attach, detach or resize; got " + quoted(type));
        };
        actions.put(action.id(), action);
        persist();
        schedule(action);
        return action;
    }

    private Action startAttach(Volume volume, Long dropletId) {
        if (dropletId == null) {
            throw DoApiError.unprocessable("droplet_id is required to attach a volume");
        }
        Droplet droplet = droplets.get(dropletId);
        if (droplet == null) {
            // The emulator's choice: DO's text for an unknown droplet here is not known to us.
            throw DoApiError.notFound();
        }
        if (!droplet.region().equals(volume.region())) {
            // The emulator's choice of status and text: DO only attaches within one region.
            throw DoApiError.unprocessable("volume " + volume.name() + " is in region " + volume.region()
                    + " and droplet " + dropletId + " in " + droplet.region()
                    + ": a volume can only be attached to a droplet in its region");
        }
        if (hasPendingEvent(dropletId)) {
            throw pendingEvent();
        }
        boolean attaching = actions.values().stream()
                .anyMatch(a -> a.inProgress() && a.volumeId().equals(volume.id()) && a.type().equals(ATTACH));
        if (volume.dropletId() != null || attaching) {
            throw DoApiError.unprocessable(DoErrorText.ALREADY_ATTACHED);
        }
        if (hasActionInProgress(volume.id())) {
            throw pendingEvent();
        }
        long attached = volumes.values().stream().filter(v -> dropletId.equals(v.dropletId())).count();
        if (attached >= volumeLimit) {
            throw DoApiError.unprocessable(DoErrorText.VOLUME_LIMIT);
        }
        return newAction(ATTACH, volume, dropletId, null);
    }

    /** Without {@code droplet_id}, or for a droplet the volume is not attached to, DO answers "Attachment not found". */
    private Action startDetach(Volume volume, Long dropletId) {
        if (dropletId != null && hasPendingEvent(dropletId)) {
            throw pendingEvent();
        }
        if (dropletId == null || !dropletId.equals(volume.dropletId())) {
            throw DoApiError.unprocessable(DoErrorText.ATTACHMENT_NOT_FOUND);
        }
        if (hasActionInProgress(volume.id())) {
            throw pendingEvent();
        }
        return newAction(DETACH, volume, dropletId, null);
    }

    /** DO volumes only grow; the texts of these refusals are the emulator's. */
    private Action startResize(Volume volume, Integer size) {
        if (size == null || size > MAX_SIZE_GIGABYTES) {
            throw DoApiError.unprocessable("size_gigabytes must be at most " + MAX_SIZE_GIGABYTES + "; got " + size);
        }
        if (size <= volume.sizeGigabytes()) {
            throw DoApiError.unprocessable("a volume can only be resized to a larger size: it has "
                    + volume.sizeGigabytes() + " GiB, asked for " + size);
        }
        if (hasActionInProgress(volume.id())
                || (volume.dropletId() != null && hasPendingEvent(volume.dropletId()))) {
            throw pendingEvent();
        }
        return newAction(RESIZE, volume, null, size);
    }

    private Action newAction(String type, Volume volume, Long dropletId, Integer size) {
        Instant now = clock.instant();
        return new Action(nextActionId++, type, volume.id(), dropletId, size, volume.region(), now,
                now.plus(actionDelay), null, Action.IN_PROGRESS, faults.takeErroredAction());
    }

    /**
     * DO's 422 "pending event": the droplet (or the volume) is busy with another action, which DO
     * runs one at a time per droplet. Counted, so a test can tell that two attaches met.
     */
    private DoApiError pendingEvent() {
        pendingEventRefusals++;
        return DoApiError.unprocessable(DoErrorText.PENDING_EVENT);
    }

    /** How many actions were refused with "pending event" since the start or the last reset. */
    synchronized int pendingEventRefusals() {
        return pendingEventRefusals;
    }

    synchronized void resetPendingEventRefusals() {
        pendingEventRefusals = 0;
    }

    private boolean hasPendingEvent(long dropletId) {
        return actions.values().stream()
                .anyMatch(a -> a.inProgress() && a.dropletId() != null && a.dropletId() == dropletId);
    }

    private boolean hasActionInProgress(String volumeId) {
        return actions.values().stream().anyMatch(a -> a.inProgress() && a.volumeId().equals(volumeId));
    }

    synchronized Action action(long id) {
        settle();
        Action action = actions.get(id);
        if (action == null) {
            throw DoApiError.notFound();
        }
        return action;
    }

    /** Completes every action whose time has come; answers whether anything changed. */
    synchronized boolean settle() {
        Instant now = clock.instant();
        boolean changed = false;
        for (Action action : List.copyOf(actions.values())) {
            if (action.inProgress() && !action.dueAt().isAfter(now)) {
                actions.put(action.id(), complete(action, now));
                changed = true;
            }
        }
        if (changed) {
            persist();
        }
        return changed;
    }

    private Action complete(Action action, Instant now) {
        if (action.failing()) {
            return action.finished(Action.ERRORED, now);
        }
        try {
            return applyEffect(action) ? action.finished(Action.COMPLETED, now) : action.finished(Action.ERRORED, now);
        } catch (DeviceException e) {
            LOG.log(System.Logger.Level.ERROR, "volume action " + action.id() + " (" + action.type()
                    + ") errored: " + e.getMessage());
            return action.finished(Action.ERRORED, now);
        }
    }

    /** The effect of a completed action; false when it can no longer happen (e.g. the droplet is gone). */
    private boolean applyEffect(Action action) {
        Volume volume = volumes.get(action.volumeId());
        if (volume == null) {
            return false;
        }
        switch (action.type()) {
            case ATTACH -> {
                Droplet droplet = droplets.get(action.dropletId());
                if (droplet == null || volume.dropletId() != null) {
                    return false;
                }
                devices.attach(volume.id(), volume.name(), droplet.id(), Path.of(droplet.deviceDir()));
                volumes.put(volume.id(), volume.attachedTo(droplet.id()));
                return true;
            }
            case DETACH -> {
                if (action.dropletId().equals(volume.dropletId())) {
                    Droplet droplet = droplets.get(action.dropletId());
                    if (droplet != null) {
                        devices.detach(volume.id(), volume.name(), droplet.id(), Path.of(droplet.deviceDir()));
                    }
                    volumes.put(volume.id(), volume.attachedTo(null));
                }
                return true;
            }
            case RESIZE -> {
                devices.resize(volume.id(), action.sizeGigabytes());
                volumes.put(volume.id(), volume.resizedTo(action.sizeGigabytes()));
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private void schedule(Action action) {
        long delayMillis = Math.max(0, Duration.between(clock.instant(), action.dueAt()).toMillis());
        // A millisecond late rather than early: the action must be due when the timer fires.
        timer.schedule(this::settleQuietly, delayMillis + 1, TimeUnit.MILLISECONDS);
    }

    private void settleQuietly() {
        try {
            settle();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "completing volume actions failed", e);
        }
    }

    // ---- droplets ----

    synchronized void addDroplet(long id, String region, Path deviceDir) {
        VolumeRules.checkDroplet(id, region);
        String dir = deviceDir.toAbsolutePath().normalize().toString();
        Droplet existing = droplets.get(id);
        if (existing != null && existing.region().equals(region) && existing.deviceDir().equals(dir)) {
            return;
        }
        if (existing != null && volumes.values().stream().anyMatch(v -> v.dropletId() != null && v.dropletId() == id)) {
            throw new IllegalStateException("droplet " + id + " has volumes attached; remove it before changing its "
                    + "region or device folder");
        }
        droplets.put(id, existing == null
                ? new Droplet(id, region, dir, "active", clock.instant())
                : new Droplet(id, region, dir, existing.status(), existing.createdAt()));
        persist();
    }

    synchronized void setDropletStatus(long id, String status) {
        if (!DROPLET_STATUSES.contains(status)) {
            throw new IllegalArgumentException("droplet status is one of " + DROPLET_STATUSES + ", not " + quoted(status));
        }
        Droplet droplet = droplets.get(id);
        if (droplet == null) {
            throw new IllegalArgumentException("no droplet " + id);
        }
        droplets.put(id, droplet.withStatus(status));
        persist();
    }

    synchronized Droplet droplet(long id) {
        settle();
        Droplet droplet = droplets.get(id);
        if (droplet == null) {
            throw DoApiError.notFound();
        }
        return droplet;
    }

    synchronized Optional<Droplet> findDroplet(long id) {
        return Optional.ofNullable(droplets.get(id));
    }

    synchronized List<String> attachedVolumeIds(long dropletId) {
        return volumes.values().stream()
                .filter(v -> v.dropletId() != null && v.dropletId() == dropletId)
                .map(Volume::id)
                .toList();
    }

    // ---- snapshots ----

    synchronized Snapshot createSnapshot(String volumeId, String name, List<String> snapshotTags) {
        Volume volume = volume(volumeId);
        if (name == null || name.isBlank()) {
            throw DoApiError.unprocessable("name is required for a snapshot");
        }
        List<String> tagList = VolumeRules.tagList(snapshotTags);
        String id = UUID.randomUUID().toString();
        long dataBytes = devices.snapshot(volume.id(), id);
        double gigabytes = Math.round(dataBytes * 100.0 / (1024.0 * 1024 * 1024)) / 100.0;
        Snapshot snapshot = new Snapshot(id, name, volume.id(), volume.region(), volume.sizeGigabytes(), gigabytes,
                tagList, clock.instant());
        snapshots.put(id, snapshot);
        tags.addAll(tagList);
        persist();
        return snapshot;
    }

    // ---- tags ----

    record TagCounts(String name, int volumes, int volumeSnapshots) {
    }

    record Resource(String id, String type) {
    }

    /** Creating a tag that exists answers it again (the emulator's choice). */
    synchronized TagCounts createTag(String name) {
        VolumeRules.requireTagName(name);
        if (tags.add(name)) {
            persist();
        }
        return tag(name);
    }

    private TagCounts tag(String name) {
        return new TagCounts(name,
                (int) volumes.values().stream().filter(v -> v.tags().contains(name)).count(),
                (int) snapshots.values().stream().filter(s -> s.tags().contains(name)).count());
    }

    /**
     * Puts an existing tag on volumes. DO tags other kinds of resources too; the emulator only
     * volumes, which is all the plugin tags, and says so for another kind (its own 422).
     */
    synchronized void tagResources(String name, List<Resource> resources) {
        if (!tags.contains(name)) {
            throw DoApiError.notFound();
        }
        for (Resource resource : resources) {
            if (!"volume".equals(resource.type())) {
                throw DoApiError.unprocessable("the emulator tags volumes only, not " + quoted(resource.type()));
            }
            if (!volumes.containsKey(resource.id())) {
                throw DoApiError.notFound();
            }
        }
        for (Resource resource : resources) {
            Volume v = volumes.get(resource.id());
            if (!v.tags().contains(name)) {
                List<String> next = new ArrayList<>(v.tags());
                next.add(name);
                volumes.put(v.id(), v.withTags(next));
            }
        }
        persist();
    }

    // ---- inspection ----

    synchronized List<EmulatedVolume> emulatedVolumes() {
        settle();
        return volumes.values().stream().map(Cloud::emulated).toList();
    }

    static EmulatedVolume emulated(Volume v) {
        return new EmulatedVolume(v.id(), v.name(), v.region(), v.sizeGigabytes(),
                v.dropletId() == null ? List.of() : List.of(v.dropletId()), v.description(), v.tags(),
                v.snapshotId());
    }

    // ---- state ----

    private void persist() {
        if (stateFile != null) {
            stateFile.save(new StateDocument(StateDocument.VERSION, nextActionId, List.copyOf(volumes.values()),
                    List.copyOf(droplets.values()), List.copyOf(actions.values()), List.copyOf(snapshots.values()),
                    List.copyOf(tags)));
        }
    }

    /**
     * Takes over a saved state: devices of attached volumes are put back (links, loop devices; a
     * backing file that went missing is recreated empty, with a warning), and actions that were
     * in flight complete relative to their recorded start.
     */
    private void restore(StateDocument doc) {
        nextActionId = doc.nextActionId();
        doc.volumes().forEach(v -> volumes.put(v.id(), v));
        doc.droplets().forEach(d -> droplets.put(d.id(), d));
        doc.actions().forEach(a -> actions.put(a.id(), a));
        doc.snapshots().forEach(s -> snapshots.put(s.id(), s));
        tags.addAll(doc.tags());
        for (Volume volume : volumes.values()) {
            if (!Files.exists(devices.backing(volume.id()))) {
                LOG.log(System.Logger.Level.WARNING, "backing file of volume " + volume.name() + " ("
                        + devices.backing(volume.id()) + ") is missing; recreating it empty");
                devices.create(volume.id(), volume.sizeGigabytes(), null);
            }
            Droplet droplet = volume.dropletId() == null ? null : droplets.get(volume.dropletId());
            if (droplet != null) {
                devices.attach(volume.id(), volume.name(), droplet.id(), Path.of(droplet.deviceDir()));
            }
        }
        actions.values().stream().filter(Action::inProgress).forEach(this::schedule);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    private static String quoted(String s) {
        return VolumeRules.quoted(s);
    }
}
