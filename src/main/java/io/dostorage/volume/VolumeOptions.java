package io.dostorage.volume;

import io.dostorage.host.MountSpec;
import io.dostorage.host.Ownership;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The options of a volume ({@code docker volume create -o key=value}), checked before anything is
 * changed. An unknown key is refused with the list of known ones, so a typo never passes silently.
 *
 * @param sizeGib     size of a new volume in GiB
 * @param fsType      filesystem made on a blank volume
 * @param snapshot    DigitalOcean snapshot id a new volume is restored from, or null
 * @param description free text stored on the DigitalOcean volume, or null
 * @param tags        DigitalOcean tags for the volume
 * @param subpath     folder inside the volume handed to containers instead of its root, or null
 * @param takeover    takeover policy of this volume (wait, force, never), or null for the setting
 * @param remove      remove policy of this volume (keep, delete, delete-created), or null for the setting
 * @param mountopts   mount options given, in canonical form ({@link MountOptions#canonical}), or null for the defaults
 * @param uid         owner given to a folder the plugin makes for the volume (a new filesystem's root, a new
 *                    sub-folder), or null to leave it root's
 * @param gid         group given to such a folder, or null
 * @param mode        permission bits given to such a folder (at most 07777), or null
 */
record VolumeOptions(int sizeGib, String fsType, String snapshot, String description, List<String> tags, String subpath,
                     String takeover, String remove, String mountopts, Integer uid, Integer gid, Integer mode) {

    /** DigitalOcean volumes are 1 GiB to 16 TiB (DigitalOcean Volumes limits). */
    static final int MAX_SIZE_GIB = 16_384;
    static final List<String> FS_TYPES = List.of("ext4", "xfs");

    static final String SIZE = "size";
    static final String FSTYPE = "fstype";
    static final String SNAPSHOT = "snapshot";
    static final String DESCRIPTION = "description";
    static final String TAGS = "tags";
    static final String SUBPATH = "subpath";
    static final String TAKEOVER = "takeover";
    static final String REMOVE = "remove";
    static final String MOUNTOPTS = "mountopts";
    static final String UID = "uid";
    static final String GID = "gid";
    static final String MODE = "mode";
    static final List<String> TAKEOVER_POLICIES = TakeoverPolicy.words();
    static final List<String> REMOVE_POLICIES = RemovePolicy.words();

    /** Each known key and what it allows, as said in an error. */
    private static final SortedMap<String, String> ALLOWED = new TreeMap<>(Map.ofEntries(
            Map.entry(TAKEOVER, "one of " + String.join(", ", TAKEOVER_POLICIES)),
            Map.entry(REMOVE, "one of " + String.join(", ", REMOVE_POLICIES)),
            Map.entry(SIZE, "a whole number of GiB from 1 to " + MAX_SIZE_GIB),
            Map.entry(FSTYPE, "one of " + String.join(", ", FS_TYPES)),
            Map.entry(SNAPSHOT, "a DigitalOcean snapshot id (letters, digits and '-', at most 64 characters)"),
            Map.entry(DESCRIPTION, "free text of at most 1024 characters, without control characters"),
            Map.entry(TAGS, "a comma-separated list of DigitalOcean tags, each of letters, digits, '_', '-' and ':', "
                    + "at most 255 characters"),
            Map.entry(SUBPATH, "a relative folder inside the volume such as data or pg/data, at most 64 characters of "
                    + "letters, digits, '.', '_' and '-'; '.', '..', empty parts and a leading '/' are not allowed"),
            Map.entry(MOUNTOPTS, MountOptions.ALLOWED_TEXT),
            Map.entry(UID, "a whole number from 0 to " + Integer.MAX_VALUE),
            Map.entry(GID, "a whole number from 0 to " + Integer.MAX_VALUE),
            Map.entry(MODE, "an octal mode of 3 or 4 digits from 000 to 7777, such as 0750 or 750")));

    private static final Pattern SNAPSHOT_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_:-]{1,255}");
    private static final Pattern PATH_PART = Pattern.compile("[A-Za-z0-9._-]{1,255}");
    private static final Pattern ID = Pattern.compile("[0-9]{1,10}");
    private static final Pattern OCTAL_MODE = Pattern.compile("[0-7]{3,4}");

    VolumeOptions {
        tags = List.copyOf(tags);
    }

    /** The known option keys, sorted. */
    static List<String> known() {
        return List.copyOf(ALLOWED.keySet());
    }

    /**
     * Checks the options a user gave and returns them in canonical form (for example {@code size=010}
     * becomes {@code 10}), without defaults. {@code null} means none.
     */
    static Map<String, String> check(Map<String, String> given) {
        Map<String, String> canonical = new TreeMap<>();
        if (given == null) {
            return canonical;
        }
        for (String key : new TreeMap<>(given).keySet()) {
            if (!ALLOWED.containsKey(key)) {
                throw new InvalidRequestException("unknown option " + Text.quote(key) + ": known options are "
                        + String.join(", ", ALLOWED.keySet()));
            }
        }
        given.forEach((key, value) -> canonical.put(key, canonical(key, value)));
        return canonical;
    }

    /** Checks the given options and fills the ones left out from the defaults. */
    static VolumeOptions withDefaults(Map<String, String> given, int defaultSizeGib, String defaultFsType) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put(SIZE, canonical(SIZE, Integer.toString(defaultSizeGib)));
        all.put(FSTYPE, canonical(FSTYPE, defaultFsType));
        all.putAll(check(given));
        return fromMap(all);
    }

    /** Rebuilds options from their canonical map, as {@link #toMap()} wrote it. */
    static VolumeOptions fromMap(Map<String, String> canonical) {
        String tags = canonical.get(TAGS);
        return new VolumeOptions(Integer.parseInt(canonical.get(SIZE)), canonical.get(FSTYPE), canonical.get(SNAPSHOT),
                canonical.get(DESCRIPTION), tags == null ? List.of() : Arrays.asList(tags.split(",")),
                canonical.get(SUBPATH), canonical.get(TAKEOVER), canonical.get(REMOVE), canonical.get(MOUNTOPTS),
                number(canonical.get(UID), 10), number(canonical.get(GID), 10), number(canonical.get(MODE), 8));
    }

    /**
     * How the host makes and mounts this volume's filesystem: its type, the mount options (the defaults,
     * each replaced by a given one of its kind), and what a folder the plugin makes for it gets.
     */
    MountSpec mountSpec() {
        return new MountSpec(fsType, MountOptions.effective(mountopts), ownership());
    }

    /** The owner, group and mode given to a folder the plugin makes for this volume. */
    Ownership ownership() {
        return new Ownership(uid, gid, mode);
    }

    /** The canonical map of every option that has a value. */
    Map<String, String> toMap() {
        Map<String, String> map = new TreeMap<>();
        map.put(SIZE, Integer.toString(sizeGib));
        map.put(FSTYPE, fsType);
        if (snapshot != null) {
            map.put(SNAPSHOT, snapshot);
        }
        if (description != null) {
            map.put(DESCRIPTION, description);
        }
        if (!tags.isEmpty()) {
            map.put(TAGS, String.join(",", tags));
        }
        if (subpath != null) {
            map.put(SUBPATH, subpath);
        }
        if (takeover != null) {
            map.put(TAKEOVER, takeover);
        }
        if (remove != null) {
            map.put(REMOVE, remove);
        }
        if (mountopts != null) {
            map.put(MOUNTOPTS, mountopts);
        }
        if (uid != null) {
            map.put(UID, Integer.toString(uid));
        }
        if (gid != null) {
            map.put(GID, Integer.toString(gid));
        }
        if (mode != null) {
            map.put(MODE, String.format("%04o", mode));
        }
        return map;
    }

    private static String canonical(String key, String value) {
        if (value == null) {
            throw invalid(key, null);
        }
        return switch (key) {
            case SIZE -> Integer.toString(size(value));
            case FSTYPE -> require(key, value, FS_TYPES.contains(value));
            case SNAPSHOT -> require(key, value, SNAPSHOT_ID.matcher(value).matches());
            case DESCRIPTION -> require(key, value, value.length() <= 1024 && value.chars().noneMatch(Character::isISOControl));
            case TAGS -> require(key, value, !value.isEmpty()
                    && Arrays.stream(value.split(",", -1)).allMatch(tag -> TAG.matcher(tag).matches()));
            case SUBPATH -> require(key, value, isRelativeFolder(value));
            case TAKEOVER -> require(key, value, TAKEOVER_POLICIES.contains(value));
            case REMOVE -> require(key, value, REMOVE_POLICIES.contains(value));
            case MOUNTOPTS -> {
                try {
                    yield MountOptions.canonical(value);
                } catch (IllegalArgumentException e) {
                    throw invalid(key, value, e.getMessage());
                }
            }
            case UID, GID -> Long.toString(Long.parseLong(require(key, value, ID.matcher(value).matches()
                    && Long.parseLong(value) <= Integer.MAX_VALUE)));
            case MODE -> String.format("%04o", Integer.parseInt(require(key, value, OCTAL_MODE.matcher(value).matches()), 8));
            default -> throw new IllegalStateException("no rule for option " + key);
        };
    }

    private static int size(String value) {
        try {
            int size = Integer.parseInt(value.trim());
            if (size >= 1 && size <= MAX_SIZE_GIB) {
                return size;
            }
        } catch (NumberFormatException e) {
            // reported below, as every other bad size
        }
        throw invalid(SIZE, value);
    }

    private static boolean isRelativeFolder(String value) {
        if (value.isEmpty() || value.length() > 64) {
            return false;
        }
        return Arrays.stream(value.split("/", -1))
                .allMatch(part -> PATH_PART.matcher(part).matches() && !part.equals(".") && !part.equals(".."));
    }

    private static String require(String key, String value, boolean valid) {
        if (!valid) {
            throw invalid(key, value);
        }
        return value;
    }

    private static Integer number(String canonical, int radix) {
        return canonical == null ? null : Integer.valueOf(canonical, radix);
    }

    private static InvalidRequestException invalid(String key, String value) {
        return invalid(key, value, "");
    }

    /** {@code why}: what is wrong with the value, when the allowed values do not say it by themselves; or empty. */
    private static InvalidRequestException invalid(String key, String value, String why) {
        return new InvalidRequestException("invalid option " + key + "=" + (value == null ? "(no value)" : Text.quote(value))
                + ": " + key + " must be " + ALLOWED.get(key) + (why.isEmpty() ? "" : "; " + why));
    }
}
