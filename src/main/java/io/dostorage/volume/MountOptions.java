package io.dostorage.volume;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The mount options of a volume's filesystem ({@code mount -o}): DigitalOcean's recommended
 * {@code discard,noatime} by default (DO's "How to Mount Volumes" mounts with
 * {@code defaults,nofail,discard,noatime}: discard tells the storage what was freed, noatime saves a
 * write per read), and the few a volume may change with {@code -o mountopts=}. Each one given replaces
 * the default of its kind: {@code mountopts=relatime} mounts with {@code discard,relatime}.
 *
 * <p>Allowed are the ones that change neither who may do what on the host nor the filesystem's crash
 * safety, and that both ext4 and xfs accept (each was mounted on loop devices under Linux 6.18: ext4(5),
 * xfs(5) and mount(8)'s filesystem-independent options): {@code discard}, {@code nodiscard},
 * {@code noatime}, {@code relatime}, {@code strictatime}, {@code lazytime}. Refused, with the reason:
 * {@code suid}, {@code nosuid}, {@code dev}, {@code nodev}, {@code exec}, {@code noexec} (they decide what
 * the volume's programs and device files may do on the host), {@code ro} (one mount serves every
 * container of the node, and the plugin writes to it: per-container {@code :ro} is Docker's), and
 * {@code nobarrier} (it gives up crash safety, and xfs refuses it since Linux 4.19: "wrong fs type, bad
 * option" on this kernel). Anything else is refused with the list of allowed ones.
 */
final class MountOptions {

    /** What a block volume is mounted with when it gives no {@code mountopts}. */
    static final List<String> DEFAULTS = List.of("discard", "noatime");

    /** The allowed options by kind, in the order they are written: at most one of each kind. */
    private static final List<List<String>> KINDS = List.of(
            List.of("discard", "nodiscard"),
            List.of("noatime", "relatime", "strictatime"),
            List.of("lazytime"));

    static final List<String> ALLOWED = KINDS.stream().flatMap(List::stream).toList();

    private static final String HOST_RIGHTS = " is not allowed: it decides what the volume's programs and device files may "
            + "do on the host, which a volume option may not change";
    private static final Map<String, String> REFUSED = Map.of(
            "suid", HOST_RIGHTS, "nosuid", HOST_RIGHTS, "dev", HOST_RIGHTS, "nodev", HOST_RIGHTS,
            "exec", HOST_RIGHTS, "noexec", HOST_RIGHTS,
            "ro", " is not allowed: the plugin mounts a volume once for every container on this node and writes to it "
                    + "itself (format, grow, sub-folders); make a container's mount read-only instead "
                    + "(docker run -v <volume>:<path>:ro, or read_only: true in compose)",
            "nobarrier", " is not allowed: it gives up the filesystem's crash safety, and xfs refuses it since Linux 4.19",
            "barrier", " is not needed: write barriers are on by default");

    /** What {@code mountopts} allows, as an error says it. */
    static final String ALLOWED_TEXT = "a comma-separated list of " + String.join(", ", ALLOWED)
            + ", at most one of " + KINDS.get(0).stream().collect(Collectors.joining("/"))
            + " and one of " + KINDS.get(1).stream().collect(Collectors.joining("/"))
            + "; each replaces the default of its kind (default " + String.join(",", DEFAULTS) + ")";

    private MountOptions() {
    }

    /**
     * The canonical form of a {@code mountopts} value: each option once, in the order of
     * {@link #ALLOWED}, joined with commas.
     *
     * @throws IllegalArgumentException saying why, when the value is not allowed (the message is empty
     *                                  when the allowed list says it all)
     */
    static String canonical(String value) {
        List<String> given = Arrays.stream(value.split(",", -1)).map(String::strip).toList();
        for (String option : given) {
            if (REFUSED.containsKey(option)) {
                throw new IllegalArgumentException(option + REFUSED.get(option));
            }
            if (!ALLOWED.contains(option)) {
                throw new IllegalArgumentException(option.isEmpty() ? "" : Text.quote(option) + " is not one of them");
            }
        }
        for (List<String> kind : KINDS) {
            List<String> of = kind.stream().filter(given::contains).toList();
            if (of.size() > 1) {
                throw new IllegalArgumentException(String.join(" and ", of) + " contradict each other");
            }
        }
        return ALLOWED.stream().filter(given::contains).collect(Collectors.joining(","));
    }

    /** The options to mount with: the defaults, each replaced by a given option of its kind ({@code canonical}, or null for none). */
    static List<String> effective(String canonical) {
        List<String> given = canonical == null ? List.of() : List.of(canonical.split(","));
        List<String> options = new ArrayList<>();
        for (List<String> kind : KINDS) {
            kind.stream().filter(given::contains).findFirst()
                    .or(() -> kind.stream().filter(DEFAULTS::contains).findFirst())
                    .ifPresent(options::add);
        }
        return List.copyOf(options);
    }
}
