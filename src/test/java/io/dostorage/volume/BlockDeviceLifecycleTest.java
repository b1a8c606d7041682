package io.dostorage.volume;

import io.dostorage.digitalocean.Clients;
import io.dostorage.emulator.DoEmulator;
import io.dostorage.host.BlockDeviceHost;
import io.dostorage.host.CommandResult;
import io.dostorage.host.CommandRunner;
import io.dostorage.host.ProcessRunner;
import io.dostorage.support.LoopDeviceCloud;
import io.dostorage.support.LoopDevices;
import io.dostorage.volume.TestNode.MovableClock;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The volume lifecycle on real block devices: the emulator backs each DigitalOcean volume with a
 * sparse file on a loop device and links it into the attached droplet's device folder, as DO's udev
 * rules do; the nodes run the real {@link BlockDeviceHost} with the real blkid, mkfs, e2fsck and mount.
 * Needs root and loop devices; without them every test here is SKIPPED loudly.
 */
@QuarkusTest
class BlockDeviceLifecycleTest {

    private static final String REGION = "nyc1";
    private static final long NODE_A = 1001;
    private static final long NODE_B = 2002;
    private static final String VOLUME_ACTIONS = "POST /v2/volumes/{volume_id}/actions";

    @TempDir
    Path folder;

    private LoopDeviceCloud cloud;
    private LoopDevices loops;
    private DoEmulator emulator;
    private final List<List<String>> commands = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp(TestInfo test) {
        cloud = LoopDeviceCloud.start(getClass().getSimpleName() + "." + test.getTestMethod().orElseThrow().getName(),
                folder, Duration.ofMillis(20), "losetup", "blkid", "mkfs.ext4", "e2fsck", "mkfs.xfs", "mount", "umount", "dumpe2fs", "resize2fs",
                "xfs_growfs");
        emulator = cloud.emulator();
        loops = cloud.loops();
        emulator.addDroplet(NODE_A, REGION, folder.resolve("dev-a"));
        emulator.addDroplet(NODE_B, REGION, folder.resolve("dev-b"));
    }

    @AfterEach
    void tearDown() {
        if (cloud != null) {
            cloud.close();
        }
    }

    @Test
    void aFileWrittenOnOneDropletIsReadOnAnother() throws Exception {
        TestNode<BlockDeviceHost> a = node(NODE_A, "dev-a");
        TestNode<BlockDeviceHost> b = node(NODE_B, "dev-b");
        a.volumes().create("pgdata", Map.of("size", "1"));

        Path onA = a.volumes().mount("pgdata", "container-on-a");
        Files.writeString(onA.resolve("hello.txt"), "written on droplet 1001");
        a.volumes().unmount("pgdata", "container-on-a");

        assertFalse(mounted(onA), "unmounted on A after its last container");
        assertEquals(List.of(), attachments("pgdata"), "detached, so droplet B finds it free");

        Path onB = b.volumes().mount("pgdata", "container-on-b");
        assertEquals("written on droplet 1001", Files.readString(onB.resolve("hello.txt")));
        assertEquals(List.of(NODE_B), attachments("pgdata"));
        b.volumes().unmount("pgdata", "container-on-b");
        assertEquals(1, count("mkfs"), "formatted once, on A: " + commands);
    }

    @Test
    void aBlankVolumeIsFormattedExactlyOnceAndKeepsItsDataAcrossMounts() throws Exception {
        TestNode<BlockDeviceHost> a = node(NODE_A, "dev-a");
        a.volumes().create("pgdata", Map.of("size", "1", "fstype", "xfs"));

        Path mountpoint = a.volumes().mount("pgdata", "first");
        assertEquals("xfs", fsTypeOf(mountpoint));
        String uuid = blkid(device("dev-a", "pgdata"), "UUID");
        Files.writeString(mountpoint.resolve("data"), "kept");
        a.volumes().unmount("pgdata", "first");

        for (int i = 0; i < 3; i++) {
            Path again = a.volumes().mount("pgdata", "again-" + i);
            assertEquals("kept", Files.readString(again.resolve("data")));
            assertEquals(uuid, blkid(device("dev-a", "pgdata"), "UUID"), "the same filesystem, not a new one");
            a.volumes().unmount("pgdata", "again-" + i);
        }
        assertEquals(1, count("mkfs"), "one mkfs in four mounts: " + commands);
    }

    @Test
    void aVolumeTheUserBroughtWithAFilesystemIsNeverFormattedWhateverTheOptions() throws Exception {
        Cloud user = Clients.cloud(emulator, NODE_A);
        DoVolume brought = user.create(new NewVolume("brought", 1, REGION, "the user's own", null, List.of()));
        attachToA(user, brought);
        Path device = device("dev-a", "brought");
        loops.run("mkfs.ext4", "-q", "-F", device.toString());
        Path scratch = Files.createDirectories(folder.resolve("scratch"));
        loops.run("mount", device.toString(), scratch.toString());
        Files.writeString(scratch.resolve("precious.txt"), "the user's data");
        loops.run("umount", scratch.toString());
        detachFromA(user, brought);
        commands.clear();

        TestNode<BlockDeviceHost> a = node(NODE_A, "dev-a");
        a.volumes().create("brought", Map.of("fstype", "xfs"));
        Path mountpoint = a.volumes().mount("brought", "c1");

        assertEquals("the user's data", Files.readString(mountpoint.resolve("precious.txt")));
        assertEquals("ext4", fsTypeOf(mountpoint), "mounted as what it holds, not as the option says");
        assertEquals(0, count("mkfs"), "no mkfs ran: " + commands);
        a.volumes().unmount("brought", "c1");
    }

    @Test
    void aDeviceWithAPartitionTableIsRefusedAndLeftUntouched() throws Exception {
        Cloud user = Clients.cloud(emulator, NODE_A);
        DoVolume brought = user.create(new NewVolume("parted", 1, REGION, null, null, List.of()));
        attachToA(user, brought);
        Path device = device("dev-a", "parted");
        writeDosPartitionTable(device);
        String before = digestOfFirstMiB(device);
        detachFromA(user, brought);
        commands.clear();

        TestNode<BlockDeviceHost> a = node(NODE_A, "dev-a");
        a.volumes().create("parted", null);
        RuntimeException e = assertThrows(RuntimeException.class, () -> a.volumes().mount("parted", "c1"));

        assertTrue(e.getMessage().contains("partition"), e.getMessage());
        assertEquals(0, count("mkfs"), "no mkfs ran: " + commands);
        assertEquals(0, a.volumes().get("parted").status().get("references"), "the failed Mount holds no reference");
        assertFalse(mounted(a.mountpoint("parted")));
        awaitDetached("parted");
        attachToA(user, brought);
        assertEquals(before, digestOfFirstMiB(device("dev-a", "parted")), "not one byte of the device changed");
        detachFromA(user, brought);
    }

    @Test
    void twoContainersShareOneMountUntilTheLastUnmount() throws Exception {
        TestNode<BlockDeviceHost> a = node(NODE_A, "dev-a");
        a.volumes().create("shared", Map.of("size", "1"));

        Path first = a.volumes().mount("shared", "one");
        Path second = a.volumes().mount("shared", "two");

        assertEquals(first, second);
        assertEquals(1, mountsAt(first), "one mount for both containers");
        a.volumes().unmount("shared", "one");
        assertEquals(1, mountsAt(first), "still mounted while the second container runs");
        assertEquals(List.of(NODE_A), attachments("shared"));
        a.volumes().unmount("shared", "two");
        assertEquals(0, mountsAt(first));
        assertEquals(List.of(), attachments("shared"));
    }

    @Test
    void twentyConcurrentMountUnmountPairsEndUnmountedAndDetachedWithOneAttachPerMountCycle() throws Exception {
        TestNode<BlockDeviceHost> a = node(NODE_A, "dev-a");
        a.volumes().create("busy", Map.of("size", "1"));
        emulator.resetCalls();
        commands.clear();

        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> pairs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String id = "id-" + i;
                pairs.add(pool.submit(() -> {
                    Path mountpoint = a.volumes().mount("busy", id);
                    Files.writeString(mountpoint.resolve(id), id);
                    a.volumes().unmount("busy", id);
                    return null;
                }));
            }
            for (Future<?> pair : pairs) {
                pair.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertEquals(0, a.volumes().get("busy").status().get("references"));
        assertEquals(0, mountsAt(a.mountpoint("busy")));
        assertEquals(List.of(), attachments("busy"));
        long mountCycles = count("mount");
        assertTrue(mountCycles >= 1);
        assertEquals(mountCycles, count("umount"), commands.toString());
        assertEquals(2 * mountCycles, (long) emulator.calls().get(VOLUME_ACTIONS),
                "one attach and one detach per mount cycle: " + emulator.calls());
        Path check = a.volumes().mount("busy", "check");
        for (int i = 0; i < 20; i++) {
            assertEquals("id-" + i, Files.readString(check.resolve("id-" + i)), "every container's write is on the volume");
        }
        a.volumes().unmount("busy", "check");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "xfs"})
    void aVolumeResizedInDigitalOceanIsGrownAtItsNextMountWithItsDataIntact(String fsType) throws Exception {
        TestNode<BlockDeviceHost> a = node(NODE_A, "dev-a");
        a.volumes().create("grows", Map.of("size", "1", "fstype", fsType));
        Path mountpoint = a.volumes().mount("grows", "first");
        Files.writeString(mountpoint.resolve("hello.txt"), "written at 1 GiB");
        long oneGib = Files.getFileStore(mountpoint).getTotalSpace();
        Path device = device("dev-a", "grows");

        // doctl compute volume-action resize <id> --size 2 --region nyc1, while a container uses it:
        // DigitalOcean grows the disk under the mounted filesystem, the emulator its loop device.
        resize("grows", 2);
        assertEquals(2L << 30, Long.parseLong(Files.readString(Path.of("/sys/class/block", device.getFileName().toString(),
                "size")).strip()) * 512, "the attached device grew at once (losetup -c)");
        assertEquals(oneGib, Files.getFileStore(mountpoint).getTotalSpace(), "the mounted filesystem did not");
        a.volumes().unmount("grows", "first");
        commands.clear();

        Path again = a.volumes().mount("grows", "second");

        long grown = Files.getFileStore(again).getTotalSpace();
        assertTrue(grown > oneGib + (oneGib / 2), "grown from " + oneGib + " to " + grown + " bytes");
        assertEquals("written at 1 GiB", Files.readString(again.resolve("hello.txt")));
        String grow = fsType.equals("ext4") ? "resize2fs" : "xfs_growfs";
        assertEquals(1, commands.stream().filter(c -> c.get(0).equals(grow) && !c.contains("-n")).count(),
                "one grow (xfs_growfs -n only measures): " + commands);
        String fsSize = (String) a.volumes().get("grows").status().get("fs_size");
        assertTrue(fsSize.matches("(1\\.[89]|2\\.0) GiB"), "Status fs_size " + fsSize);
        assertTrue(((String) a.volumes().get("grows").status().get("fs_free")).endsWith(" GiB"));
        a.volumes().unmount("grows", "second");
    }

    @Test
    void aBlockVolumeIsMountedWithDiscardAndNoatimeByDefaultAndItsMountoptsReplaceTheirKind() throws Exception {
        TestNode<BlockDeviceHost> a = node(NODE_A, "dev-a");
        a.volumes().create("plain", Map.of("size", "1"));
        a.volumes().create("tuned", Map.of("size", "1", "fstype", "xfs", "mountopts", "nodiscard,relatime,lazytime"));

        Path plain = a.volumes().mount("plain", "c1");
        Path tuned = a.volumes().mount("tuned", "c2");

        String[] plainMount = mountinfoOf(plain);
        assertTrue(List.of(plainMount[5].split(",")).contains("noatime"), String.join(" ", plainMount));
        assertTrue(List.of(superOptions(plainMount).split(",")).contains("discard"), String.join(" ", plainMount));
        String[] tunedMount = mountinfoOf(tuned);
        assertTrue(List.of(tunedMount[5].split(",")).contains("relatime"), String.join(" ", tunedMount));
        assertFalse(List.of(superOptions(tunedMount).split(",")).contains("discard"), String.join(" ", tunedMount));
        assertTrue(List.of(superOptions(tunedMount).split(",")).contains("lazytime"), String.join(" ", tunedMount));
        a.volumes().unmount("plain", "c1");
        a.volumes().unmount("tuned", "c2");
    }

    @Test
    void ownerGroupAndModeGoToANewFilesystemsRootAndANewSubpathButNeverToWhatExisted() throws Exception {
        Cloud user = Clients.cloud(emulator, NODE_A);
        DoVolume brought = user.create(new NewVolume("brought", 1, REGION, "the user's own", null, List.of()));
        attachToA(user, brought);
        Path device = device("dev-a", "brought");
        loops.run("mkfs.ext4", "-q", "-F", device.toString());
        Path scratch = Files.createDirectories(folder.resolve("scratch"));
        loops.run("mount", device.toString(), scratch.toString());
        Files.createDirectories(scratch.resolve("data"));
        loops.run("umount", scratch.toString());
        detachFromA(user, brought);
        TestNode<BlockDeviceHost> a = node(NODE_A, "dev-a");
        Map<String, String> owned = Map.of("size", "1", "uid", "999", "gid", "998", "mode", "0750");
        a.volumes().create("fresh", with(owned, "subpath", "data"));
        a.volumes().create("brought", with(owned, "subpath", "data/pg"));

        Path fresh = a.volumes().mount("fresh", "c1");
        Path existing = a.volumes().mount("brought", "c2");

        assertEquals(List.of(999, 998, 0750), owner(a.mountpoint("fresh")), "the new filesystem's root");
        assertEquals(List.of(999, 998, 0750), owner(fresh), "its new sub-folder");
        assertEquals(List.of(0, 0, 0755), owner(a.mountpoint("brought")), "the root of a filesystem that was there");
        assertEquals(List.of(0, 0, 0755), owner(a.mountpoint("brought").resolve("data")), "a folder that was there");
        assertEquals(List.of(999, 998, 0750), owner(existing), "the sub-folder made now");
        a.volumes().unmount("fresh", "c1");
        a.volumes().unmount("brought", "c2");
    }

    // ---- helpers ----

    private TestNode<BlockDeviceHost> node(long droplet, String deviceFolder) {
        CommandRunner recording = new CommandRunner() {
            private final ProcessRunner real = new ProcessRunner();

            @Override
            public CommandResult run(List<String> command, Duration timeout) {
                commands.add(command);
                return real.run(command, timeout);
            }
        };
        BlockDeviceHost host = new BlockDeviceHost(folder.resolve(deviceFolder), Duration.ofSeconds(10), recording);
        return TestNode.start(Clients.cloud(emulator, droplet), Map.of(), folder.resolve("node-" + droplet), host,
                new MovableClock());
    }

    /** DigitalOcean's resize action on the volume, as doctl sends it, waited for until the emulator has done it. */
    private void resize(String volume, int sizeGigabytes) throws Exception {
        String id = emulator.volume(volume, REGION).orElseThrow().id();
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        emulator.apiUrl().resolve("/v2/volumes/" + id + "/actions"))
                .header("Authorization", "Bearer test-token").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"resize\",\"size_gigabytes\":" + sizeGigabytes
                        + ",\"region\":\"" + REGION + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, answer.statusCode(), answer.body());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (emulator.volume(volume, REGION).orElseThrow().sizeGigabytes() != sizeGigabytes) {
            assertTrue(System.nanoTime() < deadline, volume + " not resized");
            Thread.sleep(20);
        }
    }

    private static Map<String, String> with(Map<String, String> options, String key, String value) {
        Map<String, String> all = new java.util.HashMap<>(options);
        all.put(key, value);
        return all;
    }

    private static List<Integer> owner(Path folder) throws IOException {
        return List.of((Integer) Files.getAttribute(folder, "unix:uid"), (Integer) Files.getAttribute(folder, "unix:gid"),
                (Integer) Files.getAttribute(folder, "unix:mode") & 07777);
    }

    /** The mountinfo fields of the mount at {@code point}. */
    private static String[] mountinfoOf(Path point) throws IOException {
        return mountinfo().stream().filter(f -> f[4].equals(point.toString())).findFirst()
                .orElseThrow(() -> new AssertionError(point + " is not mounted"));
    }

    /** The per-superblock options: the last field, after " - ", type and source (proc.rst 3.5). */
    private static String superOptions(String[] fields) {
        return fields[fields.length - 1];
    }

    /** What a user does by hand to prepare a volume: attach it to droplet A through the adapter, and wait until it is there. */
    private void attachToA(Cloud user, DoVolume volume) throws InterruptedException {
        user.attach(volume.id(), volume.region(), NODE_A);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!attachments(volume.name()).equals(List.of(NODE_A))) {
            assertTrue(System.nanoTime() < deadline, volume.name() + " not attached to A: " + attachments(volume.name()));
            Thread.sleep(20);
        }
    }

    private void detachFromA(Cloud user, DoVolume volume) throws InterruptedException {
        user.detach(volume.id(), volume.region(), NODE_A);
        awaitDetached(volume.name());
    }

    /** How many of the host's commands were {@code tool} (mkfs counts mkfs.ext4 and mkfs.xfs). */
    private long count(String tool) {
        return commands.stream().map(c -> Path.of(c.get(0)).getFileName().toString())
                .filter(name -> name.equals(tool) || name.startsWith(tool + ".")).count();
    }

    private Path device(String deviceFolder, String volume) throws IOException {
        return folder.resolve(deviceFolder).resolve("scsi-0DO_Volume_" + volume).toRealPath();
    }

    private List<Long> attachments(String volume) {
        return emulator.volume(volume, REGION).orElseThrow().dropletIds();
    }

    private void awaitDetached(String volume) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!attachments(volume).isEmpty()) {
            assertTrue(System.nanoTime() < deadline, volume + " still attached: " + attachments(volume));
            Thread.sleep(20);
        }
    }

    private String blkid(Path device, String tag) {
        return loops.run("blkid", "-p", "-s", tag, "-o", "value", device.toString()).output().strip();
    }

    private static List<String[]> mountinfo() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" ")).toList();
    }

    private static long mountsAt(Path point) throws IOException {
        return mountinfo().stream().filter(f -> f[4].equals(point.toString())).count();
    }

    private static boolean mounted(Path point) throws IOException {
        return mountsAt(point) > 0;
    }

    /** The filesystem type mountinfo gives for {@code point} (the field after the " - " separator). */
    private static String fsTypeOf(Path point) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (fields[4].equals(point.toString())) {
                return line.substring(line.indexOf(" - ") + 3).split(" ")[0];
            }
        }
        throw new AssertionError(point + " is not mounted");
    }

    /** An MBR with one Linux partition from sector 2048: what {@code fdisk} leaves on a disk. */
    private static void writeDosPartitionTable(Path device) throws IOException {
        byte[] mbr = new byte[512];
        int entry = 446;
        mbr[entry + 4] = (byte) 0x83;
        putLittleEndian(mbr, entry + 8, 2048);
        putLittleEndian(mbr, entry + 12, 1_000_000);
        mbr[510] = 0x55;
        mbr[511] = (byte) 0xAA;
        try (RandomAccessFile disk = new RandomAccessFile(device.toFile(), "rw")) {
            disk.write(mbr);
            disk.getFD().sync();
        }
    }

    private static void putLittleEndian(byte[] bytes, int offset, int value) {
        for (int i = 0; i < 4; i++) {
            bytes[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    private static String digestOfFirstMiB(Path device) throws Exception {
        byte[] head = new byte[1024 * 1024];
        try (RandomAccessFile disk = new RandomAccessFile(device.toFile(), "r")) {
            disk.readFully(head);
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(head));
    }
}
