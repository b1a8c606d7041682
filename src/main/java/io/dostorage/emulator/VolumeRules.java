package io.dostorage.emulator;

import io.dostorage.emulator.StateDocument.Snapshot;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The checks DO's API makes on what a request asks for, before it looks at the account: names,
 * regions, sizes, tag names. Each refusal is DO's status (422, or 404 for a snapshot that does not
 * exist); the texts are the emulator's own words (DO's texts for these are not matched by anyone).
 * The rules that depend on the account's state (a name taken, a volume attached, a droplet busy)
 * are in {@link Cloud}, under its lock.
 */
final class VolumeRules {

    /** DO's rule for volume names, from its API description: lowercase letters, digits and "-", a letter first, at most 64. */
    static final Pattern VOLUME_NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");
    /** DO's tag name pattern, from its API description. */
    static final Pattern TAG_NAME = Pattern.compile("[a-zA-Z0-9_\\-:]{1,255}");

    private VolumeRules() {
    }

    /** A new volume's name and region, checked first (before its snapshot is looked up). */
    static void checkNameAndRegion(Cloud.NewVolume request) {
        String name = request.name();
        if (name == null || !VOLUME_NAME.matcher(name).matches()) {
            throw DoApiError.unprocessable("name must be lowercase, start with a letter and contain only letters, "
                    + "numbers and \"-\", up to 64 characters; got " + quoted(name));
        }
        if (!Regions.known(request.region())) {
            throw DoApiError.unprocessable("region " + quoted(request.region()) + " is not a region with block storage");
        }
    }

    /**
     * A new volume's size, and the snapshot it restores (null for none) against its region and size;
     * answers the size the volume gets (the snapshot's when none is asked for).
     */
    static int checkSize(Cloud.NewVolume request, Snapshot snapshot) {
        if (snapshot != null && !snapshot.region().equals(request.region())) {
            throw DoApiError.unprocessable("snapshot " + snapshot.id() + " is not available in region "
                    + request.region());
        }
        Integer size = request.sizeGigabytes();
        if (size == null && snapshot != null) {
            size = snapshot.minDiskSize();
        }
        if (size == null || size < 1 || size > Cloud.MAX_SIZE_GIGABYTES) {
            throw DoApiError.unprocessable("size_gigabytes must be between 1 and " + Cloud.MAX_SIZE_GIGABYTES
                    + "; got " + size);
        }
        if (snapshot != null && size < snapshot.minDiskSize()) {
            throw DoApiError.unprocessable("size_gigabytes must be at least the snapshot's min_disk_size of "
                    + snapshot.minDiskSize());
        }
        return size;
    }

    /** The tags asked for, each once, in order; every name must be a DO tag name. */
    static List<String> tagList(List<String> asked) {
        List<String> tags = asked == null ? List.of() : List.copyOf(new LinkedHashSet<>(asked));
        tags.forEach(VolumeRules::requireTagName);
        return tags;
    }

    static void requireTagName(String name) {
        if (name == null || !TAG_NAME.matcher(name).matches()) {
            throw DoApiError.unprocessable("tag names are letters, numbers, \"_\", \"-\" and \":\", up to 255 "
                    + "characters; got " + quoted(name));
        }
    }

    /** The emulator's own droplets (from its settings, not from the API): a positive id, a known region. */
    static void checkDroplet(long id, String region) {
        if (id < 1) {
            throw new IllegalArgumentException("a droplet id is a positive number, not " + id);
        }
        if (!Regions.known(region)) {
            throw new IllegalArgumentException("unknown region " + quoted(region) + "; one of " + Regions.slugs());
        }
    }

    static String quoted(String s) {
        return s == null ? "nothing" : "\"" + s + "\"";
    }
}
