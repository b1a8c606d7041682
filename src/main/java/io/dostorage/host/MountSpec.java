package io.dostorage.host;

import java.util.List;

/**
 * How a volume's filesystem is to be made and mounted: what {@link VolumeHost#mount} needs besides the
 * volume's name and where.
 *
 * @param fsType  the filesystem made on a blank device ({@code ext4} or {@code xfs}); a filesystem that
 *                is there already is mounted with its own type
 * @param options options for {@code mount -o}, one per entry, in the order given; empty for none. Which
 *                options a volume may have is the rules' business ({@code volume.MountOptions}); here
 *                each entry must only be one word, so that joining them with commas cannot change them
 * @param owner   given to the filesystem's root when this mount made the filesystem, never to one that
 *                was there
 */
public record MountSpec(String fsType, List<String> options, Ownership owner) {

    public MountSpec {
        options = List.copyOf(options);
        owner = owner == null ? Ownership.NONE : owner;
        for (String option : options) {
            if (option.isBlank() || option.contains(",") || option.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("mount option '" + option + "': give one option per entry, "
                        + "without commas or spaces");
            }
        }
    }

    /** A filesystem of type {@code fsType}, mounted without options, its root left as mkfs makes it. */
    public static MountSpec of(String fsType) {
        return new MountSpec(fsType, List.of(), Ownership.NONE);
    }
}
