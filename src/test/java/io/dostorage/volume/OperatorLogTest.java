package io.dostorage.volume;

import io.dostorage.support.FakeCloud;
import io.dostorage.support.FakeVolumeHost;
import io.dostorage.support.LogCapture;
import io.dostorage.volume.TestNode.MovableClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an operator reads at the default level (INFO): one line per change of a volume's state on
 * this node, each naming the volume, the droplet and the time it took; nothing for the calls that
 * change nothing (dockerd sends Get, Path and List all the time), and never the token.
 */
class OperatorLogTest {

    private static final String REGION = "nyc1";
    private static final long NODE_A = 1001;
    private static final long NODE_B = 2002;

    @TempDir
    Path folder;

    private FakeCloud cloud;

    @BeforeEach
    void setUp() {
        cloud = new FakeCloud().addDroplet(NODE_A, REGION).addDroplet(NODE_B, REGION);
    }

    @Test
    void aMountUnmountCycleLogsEachStateChangeOnceInOrder() {
        TestNode<FakeVolumeHost> a = node(NODE_A, "a");
        try (LogCapture log = LogCapture.start()) {
            a.volumes().create("pgdata", Map.of("size", "5"));
            a.volumes().mount("pgdata", "c1");
            a.volumes().unmount("pgdata", "c1"); // UNMOUNT_GRACE is 0 here: released at once

            List<String> lines = log.infoAndAbove("io.dostorage");
            assertLines(lines,
                    "created volume pgdata in DigitalOcean \\(id [0-9a-f-]+, 5 GiB, nyc1\\) in \\d+ ms",
                    "attached volume pgdata to droplet 1001 in \\d+ ms",
                    "mounted volume pgdata at .*/pgdata on droplet 1001 in \\d+ ms",
                    "unmounted volume pgdata from .*/pgdata on droplet 1001 in \\d+ ms \\(released: no container uses it\\)",
                    "detached volume pgdata from droplet 1001 in \\d+ ms \\(released: no container uses it\\)");
        }
    }

    @Test
    void aSecondContainerOnAMountedVolumeAndAThousandReadsLogNothing() {
        TestNode<FakeVolumeHost> a = node(NODE_A, "a");
        a.volumes().create("pgdata", null);
        a.volumes().mount("pgdata", "c1");
        try (LogCapture log = LogCapture.start()) {
            a.volumes().mount("pgdata", "c2");
            a.volumes().unmount("pgdata", "c2");
            for (int i = 0; i < 1000; i++) {
                switch (i % 3) {
                    case 0 -> a.volumes().get("pgdata");
                    case 1 -> a.volumes().path("pgdata");
                    default -> a.volumes().list();
                }
            }
            assertEquals(List.of(), log.infoAndAbove("io.dostorage"),
                    "a reference more or less on a mounted volume, and Get/Path/List, change no state an operator sees");
        }
    }

    @Test
    void aTakeoverIsLoggedByBothDropletsNamingEachOther() {
        TestNode<FakeVolumeHost> a = node(NODE_A, "a");
        TestNode<FakeVolumeHost> b = node(NODE_B, "b");
        a.volumes().create("shared", Map.of("takeover", "force"));
        a.volumes().mount("shared", "c1");
        try (LogCapture log = LogCapture.start()) {
            b.volumes().mount("shared", "c2");
            a.volumes().unmount("shared", "c1");

            List<String> lines = log.infoAndAbove("io.dostorage");
            assertLines(lines,
                    "adopted volume shared: DigitalOcean has it already \\(id [0-9a-f-]+, 10 GiB, nyc1, attached to droplet 1001\\)",
                    "taking volume shared over from droplet 1001 .*: detaching it from there \\(takeover policy force\\)",
                    "detached volume shared from droplet 1001 in \\d+ ms \\(taken over by droplet 2002\\)",
                    "attached volume shared to droplet 2002 in \\d+ ms",
                    "mounted volume shared at .*/shared on droplet 2002 in \\d+ ms",
                    "unmounted volume shared from .*/shared on droplet 1001 in \\d+ ms \\(released: no container uses it\\)",
                    "released volume shared on droplet 1001: DigitalOcean has it attached to another droplet now, which "
                            + "keeps it \\(nothing detached\\)");
        }
    }

    /** Each line matches its pattern, in order, and there are no others (the logger's name aside). */
    private static void assertLines(List<String> lines, String... patterns) {
        List<String> messages = lines.stream().map(l -> l.substring(l.indexOf(": ") + 2)).toList();
        assertEquals(patterns.length, messages.size(), "lines logged at INFO and above:\n" + String.join("\n", lines));
        for (int i = 0; i < patterns.length; i++) {
            assertTrue(Pattern.matches(patterns[i], messages.get(i)), "line " + (i + 1) + ": expected " + patterns[i]
                    + "\nbut the log has:\n" + String.join("\n", lines));
        }
    }

    private TestNode<FakeVolumeHost> node(long droplet, String stateName) {
        return TestNode.start(cloud.at(droplet), Map.of(), folder.resolve(stateName), new FakeVolumeHost(), new MovableClock());
    }
}
