package io.dostorage.support;

import io.dostorage.volume.AttachedElsewhereException;
import io.dostorage.volume.Cloud;
import io.dostorage.volume.CloudAction;
import io.dostorage.volume.CloudException;
import io.dostorage.volume.CloudUnavailableException;
import io.dostorage.volume.DoDroplet;
import io.dostorage.volume.DoVolume;
import io.dostorage.volume.DropletBusyException;
import io.dostorage.volume.NewVolume;
import io.dostorage.volume.VolumeLimitException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * DigitalOcean in memory, at the rules' port: the volumes and droplets of one account, shared by
 * any number of droplets ({@link #at}), with DO's behaviour as the rules meet it. An attach or
 * detach completes, and takes effect, after an action delay (the next time anything looks); while
 * one runs, other actions on the droplet or the volume are refused as "pending event"; a volume
 * attaches to one droplet at a time; a destroyed droplet loses its attachments. No HTTP and no
 * thread: fast, and deterministic up to the action delay.
 *
 * <p>Calls are counted as the emulator counts DigitalOcean's requests, by method and path template
 * ({@code "POST /v2/volumes/{volume_id}/actions"}), one for each request the real adapter would
 * send, so that tests of the rules can hold them to DO's rate-limit budget. This droplet's id and
 * region come from the metadata service, which is not counted (nor rate-limited by DO).
 */
public final class FakeCloud {

    public static final String LIST = "GET /v2/volumes";
    public static final String GET = "GET /v2/volumes/{volume_id}";
    public static final String CREATE = "POST /v2/volumes";
    public static final String DELETE = "DELETE /v2/volumes/{volume_id}";
    public static final String ACTIONS = "POST /v2/volumes/{volume_id}/actions";
    public static final String ACTION = "GET /v2/actions/{action_id}";
    public static final String DROPLET = "GET /v2/droplets/{droplet_id}";
    public static final String TAGS = "POST /v2/tags";
    public static final String TAG_RESOURCES = "POST /v2/tags/{tag_id}/resources";

    /** DigitalOcean's limit on the volumes one droplet has attached. */
    private static final int VOLUME_LIMIT = 15;

    private final Duration actionDelay;
    private final Map<String, DoVolume> volumes = new LinkedHashMap<>();
    private final Map<Long, DoDroplet> droplets = new LinkedHashMap<>();
    private final Map<Long, Action> actions = new LinkedHashMap<>();
    private final Map<String, Integer> calls = new TreeMap<>();
    private final AtomicLong nextAction = new AtomicLong(1);
    private int erroredActions;
    private boolean down;

    /** Actions take {@code actionDelay}, as the emulator's {@code DO_EMULATOR_ACTION_DELAY}. */
    public FakeCloud(Duration actionDelay) {
        this.actionDelay = actionDelay;
    }

    /** Actions take 20 ms. */
    public FakeCloud() {
        this(Duration.ofMillis(20));
    }

    // ---- the world, for tests ----

    public synchronized FakeCloud addDroplet(long id, String region) {
        droplets.put(id, new DoDroplet(id, "droplet-" + id, "active", region, List.of()));
        return this;
    }

    public synchronized void setDropletStatus(long id, String status) {
        DoDroplet d = droplets.get(id);
        droplets.put(id, new DoDroplet(id, d.name(), status, d.region(), d.volumeIds()));
    }

    /** The droplet is destroyed: its attachments go (DO detaches volumes of a destroyed droplet). */
    public synchronized void removeDroplet(long id) {
        settle();
        droplets.remove(id);
        volumes.replaceAll((volumeId, v) -> v.isAttachedTo(id) ? v.withDroplets(List.of()) : v);
    }

    /** The port as the plugin on droplet {@code id} sees it. */
    public Cloud at(long id) {
        return new View(id);
    }

    public synchronized Optional<DoVolume> volume(String name, String region) {
        settle();
        return volumes.values().stream().filter(v -> v.name().equals(name) && v.region().equals(region)).findFirst();
    }

    public synchronized List<DoVolume> volumes() {
        settle();
        return List.copyOf(volumes.values());
    }

    /** Whether volume {@code name}'s disk is on droplet {@code droplet} now: its attach there has completed. */
    /** The user resizes the volume at DigitalOcean (doctl, the control panel): a larger disk, the same filesystem. */
    public synchronized void resize(String name, String region, int sizeGib) {
        DoVolume volume = volume(name, region).orElseThrow();
        volumes.put(volume.id(), new DoVolume(volume.id(), volume.name(), volume.region(), sizeGib, volume.dropletIds(),
                volume.description(), volume.tags(), volume.filesystemType(), volume.createdAt()));
    }

    public synchronized boolean diskPresent(String name, long droplet) {
        settle();
        return volumes.values().stream().anyMatch(v -> v.name().equals(name) && v.isAttachedTo(droplet));
    }

    /**
     * Droplet {@code droplet}'s plugin lets go of volume {@code name}: the detach it sends, which
     * DigitalOcean completes {@code after} from now. Until then the volume is attached there and
     * the action is pending, as on DigitalOcean.
     */
    public synchronized void detachLater(String name, String region, long droplet, Duration after) {
        begin("detach_volume", named(name, region).orElseThrow().id(), droplet, after, false);
    }

    /** The next {@code count} actions are accepted but end errored, with no effect. */
    public synchronized void erroredActions(int count) {
        erroredActions = count;
    }

    /** From now on every call fails as when DigitalOcean is down (after the adapter's retries); {@code false} mends it. */
    public synchronized void down(boolean down) {
        this.down = down;
    }

    public synchronized Map<String, Integer> calls() {
        return new TreeMap<>(calls);
    }

    public synchronized int totalCalls() {
        return calls.values().stream().mapToInt(Integer::intValue).sum();
    }

    public synchronized void resetCalls() {
        calls.clear();
    }

    // ---- DigitalOcean's side ----

    private record Action(long id, String type, String volumeId, long dropletId, long dueAt, boolean errored,
                          CloudAction.Status status, Instant startedAt) {

        boolean inProgress() {
            return status == CloudAction.Status.IN_PROGRESS;
        }

        CloudAction view() {
            return new CloudAction(id, type, status, startedAt);
        }
    }

    private void call(String... requests) {
        for (String request : requests) {
            calls.merge(request, 1, Integer::sum);
        }
        if (down) {
            throw new CloudUnavailableException("DigitalOcean failed: Service Unavailable (HTTP 503, request id fake)",
                    "fake", null);
        }
        settle();
    }

    /** Completes every action whose time has come, with its effect. */
    private void settle() {
        long now = System.nanoTime();
        for (Action a : List.copyOf(actions.values())) {
            if (!a.inProgress() || now - a.dueAt() < 0) {
                continue;
            }
            DoVolume volume = volumes.get(a.volumeId());
            boolean attach = a.type().equals("attach_volume");
            boolean effect = !a.errored() && volume != null && (!attach || droplets.containsKey(a.dropletId())
                    && volume.dropletIds().isEmpty());
            if (effect) {
                volumes.put(volume.id(), volume.withDroplets(attach ? List.of(a.dropletId())
                        : volume.dropletIds().stream().filter(d -> d != a.dropletId()).toList()));
            }
            actions.put(a.id(), new Action(a.id(), a.type(), a.volumeId(), a.dropletId(), a.dueAt(), a.errored(),
                    effect ? CloudAction.Status.COMPLETED : CloudAction.Status.ERRORED, a.startedAt()));
        }
    }

    private boolean dropletBusy(long droplet) {
        return actions.values().stream().anyMatch(a -> a.inProgress() && a.dropletId() == droplet);
    }

    private boolean volumeBusy(String volumeId) {
        return actions.values().stream().anyMatch(a -> a.inProgress() && a.volumeId().equals(volumeId));
    }

    private CloudAction start(String type, String volumeId, long droplet) {
        boolean errored = erroredActions > 0;
        if (errored) {
            erroredActions--;
        }
        return begin(type, volumeId, droplet, actionDelay, errored);
    }

    /** An action in progress, which completes (or ends errored) {@code after} from now. */
    private CloudAction begin(String type, String volumeId, long droplet, Duration after, boolean errored) {
        Action action = new Action(nextAction.getAndIncrement(), type, volumeId, droplet,
                System.nanoTime() + after.toNanos(), errored, CloudAction.Status.IN_PROGRESS, Instant.now());
        actions.put(action.id(), action);
        return action.view();
    }

    private DoVolume existing(String id) {
        DoVolume volume = volumes.get(id);
        if (volume == null) {
            throw new CloudException("The resource you were accessing could not be found. (HTTP 404)");
        }
        return volume;
    }

    private Optional<DoVolume> named(String name, String region) {
        return volumes.values().stream().filter(v -> v.name().equals(name) && v.region().equals(region)).findFirst();
    }

    /** One droplet's view: the calls its plugin makes. */
    private final class View implements Cloud {

        private final long me;

        View(long me) {
            this.me = me;
        }

        @Override
        public long dropletId() {
            return me;
        }

        @Override
        public String region() {
            synchronized (FakeCloud.this) {
                return droplets.get(me).region();
            }
        }

        @Override
        public Optional<DoVolume> find(String name, String region) {
            synchronized (FakeCloud.this) {
                call(LIST);
                return named(name, region);
            }
        }

        @Override
        public List<DoVolume> list(String region) {
            synchronized (FakeCloud.this) {
                List<DoVolume> all = volumes.values().stream().filter(v -> v.region().equals(region)).toList();
                for (int page = 0; page == 0 || page * 200 < all.size(); page++) {
                    call(LIST);
                }
                return all;
            }
        }

        @Override
        public Optional<DoVolume> volume(String id) {
            synchronized (FakeCloud.this) {
                call(GET);
                return Optional.ofNullable(volumes.get(id));
            }
        }

        @Override
        public DoVolume create(NewVolume volume) {
            synchronized (FakeCloud.this) {
                call(CREATE);
                Optional<DoVolume> there = named(volume.name(), volume.region());
                if (there.isPresent()) {
                    call(LIST);
                    return there.get();
                }
                DoVolume made = new DoVolume(UUID.randomUUID().toString(), volume.name(), volume.region(),
                        volume.sizeGib(), List.of(), volume.description(), volume.tags(), null, Instant.now());
                volumes.put(made.id(), made);
                return made;
            }
        }

        @Override
        public void delete(String volumeId) {
            synchronized (FakeCloud.this) {
                call(DELETE);
                DoVolume volume = volumes.get(volumeId);
                if (volume != null && !volume.dropletIds().isEmpty()) {
                    throw new CloudException("volume is attached to a droplet; detach it first (HTTP 409)");
                }
                volumes.remove(volumeId);
            }
        }

        @Override
        public Optional<CloudAction> attach(String volumeId, String region, long droplet) {
            synchronized (FakeCloud.this) {
                call(ACTIONS);
                DoVolume volume = existing(volumeId);
                if (!droplets.containsKey(droplet)) {
                    throw new CloudException("The resource you were accessing could not be found. (HTTP 404)");
                }
                if (dropletBusy(droplet)) {
                    throw new DropletBusyException("Droplet already has a pending event (HTTP 422)", "fake", null);
                }
                boolean attaching = actions.values().stream().anyMatch(a -> a.inProgress()
                        && a.volumeId().equals(volumeId) && a.type().equals("attach_volume"));
                if (!volume.dropletIds().isEmpty() || attaching) {
                    // DO's 422 does not say where; the adapter asks, as here.
                    call(GET);
                    if (volume.isAttachedTo(droplet)) {
                        return Optional.empty();
                    }
                    throw new AttachedElsewhereException("volume " + volume.name() + " is attached to droplet "
                            + volume.dropletIds() + ", not " + droplet + ": This volume is already attached (HTTP 422)",
                            volume.dropletIds(), "fake", null);
                }
                if (volumeBusy(volumeId)) {
                    throw new DropletBusyException("Droplet already has a pending event (HTTP 422)", "fake", null);
                }
                long attached = volumes.values().stream().filter(v -> v.isAttachedTo(droplet)).count();
                if (attached >= VOLUME_LIMIT) {
                    throw new VolumeLimitException("cannot attach more volumes to the Droplet (HTTP 422)", "fake", null);
                }
                return Optional.of(start("attach_volume", volumeId, droplet));
            }
        }

        @Override
        public Optional<CloudAction> detach(String volumeId, String region, long droplet) {
            synchronized (FakeCloud.this) {
                call(ACTIONS);
                DoVolume volume = existing(volumeId);
                if (dropletBusy(droplet)) {
                    throw new DropletBusyException("Droplet already has a pending event (HTTP 422)", "fake", null);
                }
                if (!volume.isAttachedTo(droplet)) {
                    return Optional.empty();
                }
                if (volumeBusy(volumeId)) {
                    throw new DropletBusyException("Droplet already has a pending event (HTTP 422)", "fake", null);
                }
                return Optional.of(start("detach_volume", volumeId, droplet));
            }
        }

        @Override
        public CloudAction action(long actionId) {
            synchronized (FakeCloud.this) {
                call(ACTION);
                Action action = actions.get(actionId);
                if (action == null) {
                    throw new CloudException("The resource you were accessing could not be found. (HTTP 404)");
                }
                return action.view();
            }
        }

        @Override
        public Optional<DoDroplet> droplet(long id) {
            synchronized (FakeCloud.this) {
                call(DROPLET);
                DoDroplet droplet = droplets.get(id);
                if (droplet == null) {
                    return Optional.empty();
                }
                List<String> attached = new ArrayList<>();
                volumes.values().stream().filter(v -> v.isAttachedTo(id)).forEach(v -> attached.add(v.id()));
                return Optional.of(new DoDroplet(id, droplet.name(), droplet.status(), droplet.region(), attached));
            }
        }

        @Override
        public void tag(String volumeId, String tag) {
            synchronized (FakeCloud.this) {
                call(TAGS, TAG_RESOURCES);
                DoVolume volume = existing(volumeId);
                List<String> tags = new ArrayList<>(volume.tags());
                if (!tags.contains(tag)) {
                    tags.add(tag);
                }
                volumes.put(volumeId, new DoVolume(volume.id(), volume.name(), volume.region(), volume.sizeGib(),
                        volume.dropletIds(), volume.description(), tags, volume.filesystemType(), volume.createdAt()));
            }
        }
    }
}
