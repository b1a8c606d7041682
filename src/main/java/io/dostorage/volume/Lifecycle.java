package io.dostorage.volume;

import io.dostorage.config.PluginConfig;
import io.dostorage.deadline.Deadline;
import io.dostorage.host.VolumeHost;
import io.dostorage.state.StoredVolume;
import io.dostorage.state.VolumeStore;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A volume's life as Docker sees it: Create (adopting a DigitalOcean volume of that name, or making
 * one), Remove (as the remove policy says), and the views Get, Path and List. The views of a volume
 * this node knows come from local state only; one it does not know, from the short-lived copy of
 * DigitalOcean's list ({@link RemoteVolumes}). The caller holds the volume's lock for Create and
 * Remove.
 */
final class Lifecycle {

    private static final Logger LOG = Logger.getLogger(Lifecycle.class);

    private final VolumeStore store;
    private final VolumeHost host;
    private final Cloud cloud;
    private final RemoteVolumes remote;
    private final Releases releases;
    private final Steps steps;
    private final Path mountRoot;
    private final PluginConfig.VolumeDefaults defaults;
    private final RemovePolicy defaultRemove;

    Lifecycle(VolumeStore store, VolumeHost host, Cloud cloud, RemoteVolumes remote, Releases releases, Steps steps,
              Path mountRoot, PluginConfig.VolumeDefaults defaults, RemovePolicy defaultRemove) {
        this.store = store;
        this.host = host;
        this.cloud = cloud;
        this.remote = remote;
        this.releases = releases;
        this.steps = steps;
        this.mountRoot = mountRoot;
        this.defaults = defaults;
        this.defaultRemove = defaultRemove;
    }

    /** See {@link VolumeService#create(String, Map, Deadline)}; {@code given}: the checked options. */
    Volume create(String name, Map<String, String> given, Deadline deadline) {
        VolumeOptions options = VolumeOptions.withDefaults(given, defaults.size(), defaults.fstype());
        Optional<StoredVolume> known = store.findVolume(name);
        if (known.isPresent()) {
            requireSameOptions(known.get().name(), known.get().options(), given);
            return view(known.get());
        }
        String region = cloud.region();
        Optional<DoVolume> existing = cloud.find(name, region);
        DoVolume volume;
        if (existing.isPresent()) {
            volume = adopt(existing.get(), given);
            OperatorLog.adopted(volume);
        } else {
            deadline.check("creating volume " + name + " in DigitalOcean");
            steps.begin(name, "create", null);
            List<String> tags = new ArrayList<>(options.tags());
            tags.add(VolumeService.CREATED_TAG);
            tags.addAll(OptionTags.encode(options.toMap()));
            long started = OperatorLog.start();
            volume = cloud.create(new NewVolume(name, options.sizeGib(), region,
                    options.description() == null ? "Created by dostorage" : options.description(),
                    options.snapshot(), tags));
            steps.reached(name, "create-created");
            OperatorLog.created(volume, started);
        }
        record(name, volume, given);
        steps.end(name);
        remote.invalidate();
        return view(store.findVolume(name).orElseThrow());
    }

    /** See {@link VolumeService#remove(String, Deadline)}. */
    void remove(String name, Deadline deadline) {
        Optional<StoredVolume> known = store.findVolume(name);
        if (known.isEmpty()) {
            return;
        }
        StoredVolume volume = known.get();
        if (volume.referenced()) {
            throw new VolumeInUseException("removing volume " + name + ": it is mounted on this node for "
                    + volume.references().size() + " container(s); stop them, or run docker volume rm again once they "
                    + "are gone");
        }
        Optional<DoVolume> current = volume.doId() == null ? Optional.empty() : cloud.volume(volume.doId());
        long me = cloud.dropletId();
        List<Long> others = current.map(v -> v.dropletIds().stream().filter(d -> d != me).toList()).orElse(List.of());
        if (!others.isEmpty()) {
            throw new VolumeInUseException("removing volume " + name + ": it is attached to droplet "
                    + others.get(0) + "; remove it where it is used, or once it is released there");
        }
        deadline.check("removing volume " + name);
        steps.begin(name, "remove", null);
        releases.releaseNow(volume, "removed");
        RemovePolicy policy = removePolicy(volume);
        if (current.isPresent() && policy.deletes(volume.createdHere())) {
            long started = OperatorLog.start();
            cloud.delete(current.get().id());
            steps.reached(name, "remove-deleted");
            OperatorLog.deleted(name, current.get().id(), policy, started);
        } else {
            OperatorLog.forgotten(name, policy, volume.createdHere());
        }
        store.deleteVolume(name);
        steps.end(name);
        releases.cancel(name);
        remote.forget(name);
    }

    /** The remove policy of the volume: its own option, else the setting. */
    RemovePolicy removePolicy(StoredVolume volume) {
        String own = volume.options().get(VolumeOptions.REMOVE);
        return own == null ? defaultRemove : RemovePolicy.parse(own);
    }

    /** The volume this node knows, or the DigitalOcean volume of that name in this region, adopted now. */
    StoredVolume knownOrAdopted(String name) {
        Optional<StoredVolume> known = store.findVolume(name);
        if (known.isPresent()) {
            return known.get();
        }
        DoVolume volume = cloud.find(name, cloud.region()).orElseThrow(() -> new VolumeNotFoundException(name));
        record(name, volume, Map.of());
        OperatorLog.adopted(volume);
        return store.findVolume(name).orElseThrow();
    }

    /** Records a DigitalOcean volume locally, with the options its tags carry, the ones given, and the defaults. */
    void record(String name, DoVolume volume, Map<String, String> given) {
        Map<String, String> options = new LinkedHashMap<>(OptionTags.decode(volume.tags()));
        options.putAll(given);
        Map<String, String> stored = new LinkedHashMap<>(
                VolumeOptions.withDefaults(options, defaults.size(), defaults.fstype()).toMap());
        stored.put(VolumeOptions.SIZE, Integer.toString(volume.sizeGib()));
        store.insertVolume(name, stored, volume.id(), volume.region(), volume.tags().contains(VolumeService.CREATED_TAG),
                volume.dropletIds().isEmpty() ? null : volume.dropletIds().get(0));
    }

    /** See {@link VolumeService#path}. */
    Optional<Path> path(String name) {
        return Optional.ofNullable(view(store.findVolume(name).orElseThrow(() -> notHere(name))).mountpoint());
    }

    /** See {@link VolumeService#get}. */
    Volume get(String name) {
        return store.findVolume(name).map(this::view).orElseThrow(() -> notHere(name));
    }

    /**
     * See {@link VolumeService#getFromMemory}: a known volume's current copy in memory, while not
     * mounted here (a mounted one's answer includes its filesystem's space, which asks the host).
     */
    Optional<Volume> getFromMemory(String name) {
        return store.findVolumeInMemory(name).filter(v -> !v.referenced()).map(this::view);
    }

    /**
     * Get and Path of a volume that was never created or adopted on this node answer "not found",
     * even when DigitalOcean has it (List shows it). dockerd records a volume's options only when it
     * creates the volume itself; one it learns from a Get it records without them, and docker-compose
     * then refuses the compose file whose {@code driver_opts} differ from "none", suggesting {@code
     * docker volume rm}, which would delete the DigitalOcean volume. Answering "not found" makes
     * dockerd (and compose, Swarm's tasks) Create it here with its options; the Create adopts it.
     */
    private VolumeNotFoundException notHere(String name) {
        boolean inDigitalOcean;
        try {
            inDigitalOcean = remote.find(name).isPresent();
        } catch (CloudException e) {
            inDigitalOcean = false;
        }
        return inDigitalOcean ? new VolumeNotFoundException(name, "is not in use on this droplet "
                + "(DigitalOcean has it: create it here with this plugin as its driver to use it, e.g. docker volume "
                + "create -d <plugin> " + name + ", or compose's driver:)") : new VolumeNotFoundException(name);
    }

    /** See {@link VolumeService#list}. */
    List<Volume> list() {
        Map<String, Volume> all = new LinkedHashMap<>();
        store.listVolumes().forEach(v -> all.put(v.name(), view(v)));
        try {
            remote.all().stream().filter(v -> !all.containsKey(v.name())).forEach(v -> all.put(v.name(), view(v)));
        } catch (CloudException e) {
            LOG.warnf("listing DigitalOcean's volumes: %s; listing only the volumes this node knows", e.getMessage());
        }
        return List.copyOf(all.values());
    }

    /**
     * Takes an existing DigitalOcean volume as it is: options given now must agree with what it
     * is (its size, and the options its tags carry); carried options it lacks are added to its tags.
     */
    private DoVolume adopt(DoVolume volume, Map<String, String> given) {
        List<String> differences = new ArrayList<>();
        if (given.containsKey(VolumeOptions.SIZE) && !holds(volume.sizeGib(), given.get(VolumeOptions.SIZE))) {
            differences.add("size " + volume.sizeGib() + " GiB (asked: " + given.get(VolumeOptions.SIZE) + "; to grow it, "
                    + "resize it in DigitalOcean: doctl compute volume-action resize " + volume.id() + " --size "
                    + given.get(VolumeOptions.SIZE) + " --region " + volume.region() + ")");
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
        List<String> added = OptionTags.encode(missing);
        added.forEach(tag -> cloud.tag(volume.id(), tag));
        return volume.withTags(added);
    }

    private Volume view(StoredVolume volume) {
        VolumeOptions options = VolumeOptions.fromMap(volume.options());
        Path root = mountRoot.resolve(volume.name());
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
            // Its filesystem as statvfs(3) tells it here now, with no DigitalOcean call; only while mounted here.
            host.space(root).ifPresent(space -> {
                status.put("fs_size", space.sizeText());
                status.put("fs_free", space.freeText());
            });
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
        status.put("created_by_plugin", volume.tags().contains(VolumeService.CREATED_TAG));
        status.putAll(OptionTags.decode(volume.tags()));
        status.put("references", 0);
        return new Volume(volume.name(), null, volume.createdAt() == null ? Instant.EPOCH : volume.createdAt(), status);
    }

    /**
     * Whether a volume of {@code sizeGib} serves a Create that asks for {@code asked} GiB: one at least
     * that large does. DigitalOcean resizes volumes upward only, so a compose file or a Swarm stack
     * written before a resize keeps asking the size it was made with, and must keep working.
     */
    private static boolean holds(int sizeGib, String asked) {
        return Integer.parseInt(asked) <= sizeGib;
    }

    private static void requireSameOptions(String name, Map<String, String> existing, Map<String, String> given) {
        List<String> differences = new ArrayList<>();
        given.forEach((key, value) -> {
            String current = existing.get(key);
            if (key.equals(VolumeOptions.SIZE) && current != null && holds(Integer.parseInt(current), value)) {
                return;
            }
            if (!value.equals(current)) {
                differences.add(key + "=" + (current == null ? "(unset)" : current) + " (asked: " + value + ")");
            }
        });
        if (!differences.isEmpty()) {
            throw new VolumeConflictException("creating volume " + name + ": it already exists with "
                    + String.join(", ", differences) + "; use it without -o, or remove it first");
        }
    }
}
