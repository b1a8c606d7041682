package io.dostorage.volume;

import io.dostorage.config.PluginConfig;
import io.dostorage.host.HostException;
import io.dostorage.host.VolumeHost;
import io.dostorage.state.StateException;
import io.dostorage.state.StoredVolume;
import io.dostorage.state.VolumeStore;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The rules of a volume's life on this node: create, mount, unmount, remove, and the views Docker
 * asks for. It owns the invariants: input is checked before anything changes; a mount reference is
 * on disk before the mountpoint is handed out; a volume is unmounted only when its last reference
 * is gone; a volume that is mounted is never forgotten.
 *
 * <p>Operations on one volume hold its lock; every one is idempotent (check, then act), so dockerd
 * may repeat any call, and a call interrupted by a crash can simply be made again.
 */
@ApplicationScoped
public class VolumeService {

    private static final int MAX_CALLER_ID_LENGTH = 256;

    private final VolumeStore store;
    private final VolumeHost host;
    private final Path mountRoot;
    private final int defaultSizeGib;
    private final String defaultFsType;
    private final VolumeLocks locks;

    VolumeService(VolumeStore store, VolumeHost host, PluginConfig config) {
        this.store = store;
        this.host = host;
        this.mountRoot = config.mountRoot().toAbsolutePath().normalize();
        this.defaultSizeGib = config.volumes().size();
        this.defaultFsType = config.volumes().fstype();
        this.locks = new VolumeLocks(config.lockTimeout());
        try {
            VolumeOptions.withDefaults(Map.of(), defaultSizeGib, defaultFsType);
        } catch (InvalidRequestException e) {
            throw new IllegalStateException("settings DEFAULT_SIZE/DEFAULT_FSTYPE: " + e.getMessage(), e);
        }
    }

    /** The folder volumes are mounted under; {@code <root>/<name>} is a volume's mount. */
    public Path mountRoot() {
        return mountRoot;
    }

    /**
     * Creates the volume, or accepts it as it is when it exists with the same options (dockerd and
     * compose may create a volume that is already there); other options for an existing volume are
     * refused rather than silently ignored.
     */
    public Volume create(String name, Map<String, String> opts) {
        String checked = VolumeName.check(name);
        Map<String, String> given = VolumeOptions.check(opts);
        VolumeOptions options = VolumeOptions.withDefaults(given, defaultSizeGib, defaultFsType);
        return operation(checked, "creating", () -> {
            Optional<StoredVolume> existing = store.findVolume(checked);
            if (existing.isPresent()) {
                requireSameOptions(existing.get(), given);
                return view(existing.get());
            }
            store.insertVolume(checked, options.toMap());
            return view(store.findVolume(checked).orElseThrow());
        });
    }

    /**
     * Forgets the volume. Refused while any container on this node has it mounted. Removing a volume
     * that is not known succeeds: it is already gone, and dockerd must be able to drop it.
     */
    public void remove(String name) {
        String checked = VolumeName.check(name);
        operation(checked, "removing", () -> {
            Optional<StoredVolume> volume = store.findVolume(checked);
            if (volume.isEmpty()) {
                return null;
            }
            int users = volume.get().references().size();
            if (users > 0) {
                throw new VolumeInUseException("removing volume " + checked + ": it is mounted on this node for "
                        + users + " container(s); stop them, or run docker volume rm again once they are gone");
            }
            Path root = rootOf(checked);
            if (host.isMounted(root)) {
                host.unmount(root);
            }
            store.deleteVolume(checked);
            return null;
        });
    }

    /**
     * Mounts the volume for caller {@code callerId} and returns the folder to hand to the container.
     * The same ID twice counts once; several IDs share one mount.
     */
    public Path mount(String name, String callerId) {
        String checked = VolumeName.check(name);
        String id = checkCallerId(callerId);
        return operation(checked, "mounting", () -> {
            StoredVolume volume = store.findVolume(checked).orElseThrow(() -> new VolumeNotFoundException(checked));
            VolumeOptions options = VolumeOptions.fromMap(volume.options());
            boolean added = store.addReference(checked, id);
            try {
                return mountedFolder(checked, options);
            } catch (RuntimeException e) {
                if (added) {
                    undo(e, () -> store.removeReference(checked, id));
                }
                throw e;
            }
        });
    }

    /**
     * Drops the reference of caller {@code callerId}; after the last one the volume is unmounted.
     * An unknown ID or volume is harmless: there is nothing to undo.
     */
    public void unmount(String name, String callerId) {
        String checked = VolumeName.check(name);
        String id = checkCallerId(callerId);
        operation(checked, "unmounting", () -> {
            if (store.findVolume(checked).isEmpty()) {
                return null;
            }
            store.removeReference(checked, id);
            unmountIfUnused(checked);
            return null;
        });
    }

    /** The folder handed out while the volume is mounted here; empty while it is not. */
    public Optional<Path> path(String name) {
        String checked = VolumeName.check(name);
        StoredVolume volume = store.findVolume(checked).orElseThrow(() -> new VolumeNotFoundException(checked));
        return Optional.ofNullable(view(volume).mountpoint());
    }

    public Volume get(String name) {
        String checked = VolumeName.check(name);
        return view(store.findVolume(checked).orElseThrow(() -> new VolumeNotFoundException(checked)));
    }

    public List<Volume> list() {
        return store.listVolumes().stream().map(this::view).toList();
    }

    /**
     * After a restart: mounts again every volume that still has references but whose mount is gone,
     * so that dockerd, which still believes its containers hold these mounts, is right.
     *
     * @return the names that could not be mounted, with the reason
     */
    public Map<String, String> restoreMounts() {
        Map<String, String> failures = new LinkedHashMap<>();
        for (StoredVolume volume : store.listVolumes()) {
            if (volume.references().isEmpty()) {
                continue;
            }
            try {
                operation(volume.name(), "restoring mount of", () ->
                        store.findVolume(volume.name())
                                .filter(v -> !v.references().isEmpty())
                                .map(v -> mountedFolder(v.name(), VolumeOptions.fromMap(v.options())))
                                .orElse(null));
            } catch (VolumeException e) {
                failures.put(volume.name(), e.getMessage());
            }
        }
        return failures;
    }

    /**
     * Unmounts every volume mounted under the mount root that no caller references (left by a crash
     * between a mount and its reference, or by hand).
     *
     * @return the folders that were unmounted
     */
    public List<Path> unmountOrphans() {
        List<Path> unmounted = new ArrayList<>();
        for (Path mount : host.mountsUnder(mountRoot)) {
            String name = mount.getFileName().toString();
            Optional<StoredVolume> volume = store.findVolume(name);
            if (volume.isPresent() && !volume.get().references().isEmpty()) {
                continue;
            }
            boolean done = operation(name, "unmounting orphaned", () -> {
                boolean unused = store.findVolume(name).map(v -> v.references().isEmpty()).orElse(true);
                if (unused && host.isMounted(mount)) {
                    host.unmount(mount);
                    return true;
                }
                return false;
            });
            if (done) {
                unmounted.add(mount);
            }
        }
        return unmounted;
    }

    private Path mountedFolder(String name, VolumeOptions options) {
        Path root = rootOf(name);
        if (!host.isMounted(root)) {
            host.mount(name, options.fsType(), root);
        }
        if (options.subpath() == null) {
            return root;
        }
        Path folder = root.resolve(options.subpath()).normalize();
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new HostException("creating sub-folder " + options.subpath() + " on volume " + name + ": " + e, e);
        }
        return folder;
    }

    private void unmountIfUnused(String name) {
        boolean unused = store.findVolume(name).map(v -> v.references().isEmpty()).orElse(true);
        Path root = rootOf(name);
        if (unused && host.isMounted(root)) {
            host.unmount(root);
        }
    }

    private Volume view(StoredVolume volume) {
        VolumeOptions options = VolumeOptions.fromMap(volume.options());
        Path root = rootOf(volume.name());
        boolean mounted = !volume.references().isEmpty();
        Path mountpoint = mounted ? (options.subpath() == null ? root : root.resolve(options.subpath()).normalize()) : null;
        Map<String, Object> status = new LinkedHashMap<>(volume.options());
        status.put("backing", host.kind());
        status.put("references", volume.references().size());
        return new Volume(volume.name(), mountpoint, volume.createdAt(), status);
    }

    private Path rootOf(String name) {
        return mountRoot.resolve(name);
    }

    private static void requireSameOptions(StoredVolume existing, Map<String, String> given) {
        List<String> differences = new ArrayList<>();
        given.forEach((key, value) -> {
            String current = existing.options().get(key);
            if (!value.equals(current)) {
                differences.add(key + "=" + (current == null ? "(unset)" : current) + " (asked: " + value + ")");
            }
        });
        if (!differences.isEmpty()) {
            throw new VolumeConflictException("creating volume " + existing.name() + ": it already exists with "
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

    private <T> T operation(String name, String doing, Supplier<T> work) {
        return locks.withLock(name, doing, () -> {
            try {
                return work.get();
            } catch (StateException | HostException e) {
                throw new VolumeException(doing + " volume " + name + ": " + e.getMessage(), e);
            }
        });
    }

    private static void undo(RuntimeException failure, Runnable undo) {
        try {
            undo.run();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
