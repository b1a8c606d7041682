package io.dostorage.host;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code blkid -p -o export <device>} found on a device.
 *
 * <p>{@code -p} is low-level probing: blkid reads the device itself, not its cache, and looks for
 * both filesystem superblocks and partition tables. Its exit status (blkid(8), "EXIT STATUS"): 0 when
 * it identified something, 2 when it identified nothing (or could not read the device: the caller
 * rules that out first), 4 on usage or other errors, 8 when the result is ambivalent (several
 * colliding signatures). {@code -o export} prints {@code KEY=value} lines: {@code TYPE} and
 * {@code USAGE} (filesystem, raid, crypto, other) for a superblock, {@code PTTYPE} for a partition
 * table.
 *
 * @param kind what the device holds
 * @param tags the {@code KEY=value} pairs blkid printed
 * @param output blkid's output, as printed
 */
record DeviceContents(Kind kind, Map<String, String> tags, String output) {

    enum Kind {
        /** No signature at all: the only kind of device that may be formatted. */
        BLANK,
        /** A filesystem on the whole device: mounted as it is, never formatted. */
        FILESYSTEM,
        /** A partition table: neither formatted nor mounted. */
        PARTITION_TABLE,
        /** Something that is not a filesystem (swap, LUKS, RAID or LVM member, ...): neither formatted nor mounted. */
        OTHER,
        /** Several colliding signatures (blkid exit 8): neither formatted nor mounted. */
        AMBIVALENT
    }

    DeviceContents {
        tags = Map.copyOf(tags);
    }

    /**
     * Reads blkid's answer.
     *
     * @throws HostException when blkid failed (exit 4 or anything not in its manual), or exited 2 but
     *                       said something (an error, not an empty device)
     */
    static DeviceContents of(CommandResult probe) {
        return switch (probe.exitCode()) {
            case 0 -> identified(probe.output());
            case 2 -> {
                if (!probe.output().isBlank()) {
                    throw new HostException(probe.failure());
                }
                yield new DeviceContents(Kind.BLANK, Map.of(), "");
            }
            case 8 -> new DeviceContents(Kind.AMBIVALENT, Map.of(), probe.output());
            default -> throw new HostException(probe.failure());
        };
    }

    /** The filesystem or other type blkid named ({@code TYPE}, or {@code PTTYPE} for a partition table); empty if none. */
    String type() {
        return kind == Kind.PARTITION_TABLE ? tags.get("PTTYPE") : tags.getOrDefault("TYPE", "");
    }

    /** What the device holds, in words, for messages. */
    String describe() {
        return switch (kind) {
            case BLANK -> "no signature at all";
            case FILESYSTEM -> "a " + type() + " filesystem";
            case PARTITION_TABLE -> "a " + type() + " partition table";
            case OTHER -> tags.containsKey("TYPE")
                    ? "a " + type() + " signature (usage " + tags.getOrDefault("USAGE", "unknown") + "), not a filesystem"
                    : "something blkid could not name: " + output.strip();
            case AMBIVALENT -> "several colliding signatures (blkid: " + output.strip() + ")";
        };
    }

    private static DeviceContents identified(String output) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int equals = line.indexOf('=');
            if (equals > 0) {
                tags.put(line.substring(0, equals).strip(), line.substring(equals + 1).strip());
            }
        }
        Kind kind;
        if (tags.containsKey("PTTYPE")) {
            kind = Kind.PARTITION_TABLE;
        } else if ("filesystem".equals(tags.get("USAGE")) && !tags.getOrDefault("TYPE", "").isEmpty()) {
            kind = Kind.FILESYSTEM;
        } else {
            kind = Kind.OTHER;
        }
        return new DeviceContents(kind, tags, output);
    }
}
