package io.dostorage.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The mounts a process sees, read from its {@code mountinfo} file (normally
 * {@code /proc/self/mountinfo}). Lines are in mount order, so of several mounts stacked on one folder
 * the last is the one on top, the one that path lookups see.
 *
 * <p>Format (kernel Documentation/filesystems/proc.rst, section 3.5), fields separated by one space:
 * <pre>
 * 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 * (1)(2)(3)   (4)   (5)      (6)      (7)   (8) (9)   (10)         (11)
 * </pre>
 * mount id, parent id, major:minor, root, mount point, mount options, zero or more optional fields,
 * a lone {@code -}, filesystem type, source, super options. In paths and in the source the kernel
 * writes space, tab, newline and backslash as octal escapes ({@code \040 \011 \012 \134}; fs/proc_namespace.c
 * calls {@code seq_escape} with {@code " \t\n\\"}), so a field never contains a space.
 */
record MountTable(List<MountEntry> entries) {

    MountTable {
        entries = List.copyOf(entries);
    }

    /** Reads the table from {@code file} now; the kernel makes each read a fresh snapshot. */
    static MountTable read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new HostException("reading the mount table " + file + ": " + e, e);
        }
        return parse(text, file.toString());
    }

    /**
     * Parses mountinfo text.
     *
     * @param origin where the text came from, for messages
     * @throws HostException naming the line when a line is not in mountinfo format
     */
    static MountTable parse(String text, String origin) {
        List<MountEntry> entries = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                entries.add(parseLine(lines[i], i + 1, origin));
            }
        }
        return new MountTable(entries);
    }

    /** Every mount whose mount point is {@code point} (an absolute, normalized path), bottom first. */
    List<MountEntry> at(Path point) {
        return entries.stream().filter(e -> e.mountPoint().equals(point)).toList();
    }

    /** The mount on top at {@code point}: the one a path lookup of {@code point} reaches. */
    Optional<MountEntry> topAt(Path point) {
        List<MountEntry> here = at(point);
        return here.isEmpty() ? Optional.empty() : Optional.of(here.get(here.size() - 1));
    }

    boolean hasMountAt(Path point) {
        return entries.stream().anyMatch(e -> e.mountPoint().equals(point));
    }

    private static MountEntry parseLine(String line, int number, String origin) {
        String[] fields = line.strip().split(" ");
        int separator = -1;
        for (int i = 6; i < fields.length; i++) {
            if (fields[i].equals("-")) {
                separator = i;
                break;
            }
        }
        if (separator < 0 || fields.length < separator + 3) {
            throw malformed(line, number, origin, "expected 6 fields, optional fields, '-', then type, source and options");
        }
        String[] device = fields[2].split(":");
        if (device.length != 2) {
            throw malformed(line, number, origin, "major:minor is " + fields[2]);
        }
        try {
            return new MountEntry(
                    Integer.parseInt(fields[0]),
                    Integer.parseInt(fields[1]),
                    Integer.parseInt(device[0]),
                    Integer.parseInt(device[1]),
                    unescape(fields[3]),
                    Path.of(unescape(fields[4])),
                    fields[5],
                    List.of(fields).subList(6, separator),
                    unescape(fields[separator + 1]),
                    unescape(fields[separator + 2]),
                    separator + 3 < fields.length ? unescape(fields[separator + 3]) : "");
        } catch (NumberFormatException e) {
            throw malformed(line, number, origin, e.getMessage());
        }
    }

    /** Undoes the kernel's octal escapes ({@code \040} is a space); any other backslash stays as it is. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1) && isOctal(field, i + 2) && isOctal(field, i + 3)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int i) {
        return i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '7';
    }

    private static HostException malformed(String line, int number, String origin, String why) {
        return new HostException("reading the mount table " + origin + ": line " + number
                + " is not in mountinfo format (" + why + "): " + line);
    }
}
