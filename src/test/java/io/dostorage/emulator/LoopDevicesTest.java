package io.dostorage.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real block devices: runs only as root with loop devices, and says so loudly when it cannot. */
class LoopDevicesTest extends EmulatorTestBase {

    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    @BeforeEach
    void needsRootAndLoopDevices() {
        String reason = null;
        if (!Files.exists(Path.of("/dev/loop-control"))) {
            reason = "/dev/loop-control does not exist";
        } else if (!"0".equals(run("id", "-u").trim())) {
            reason = "not running as root";
        } else {
            try {
                run("losetup", "--list");
            } catch (IllegalStateException e) {
                reason = e.getMessage();
            }
        }
        if (reason != null) {
            System.err.println("SKIPPED LoopDevicesTest: needs root and loop devices: " + reason);
            Assumptions.abort("SKIPPED: needs root and loop devices: " + reason);
        }
    }

    @AfterEach
    void releaseLeftoverLoopDevices() throws IOException {
        Path backing = tmp.resolve("backing");
        if (Files.isDirectory(backing) && DeviceMapper.unavailable().isEmpty()) {
            try (var files = Files.list(backing)) {
                List<String> ids = files.map(f -> f.getFileName().toString().replace(".img", "")).toList();
                for (String name : new DeviceMapper().names()) {
                    if (ids.stream().anyMatch(name::contains)) {
                        run("dmsetup", "remove", "--force", name);
                    }
                }
            }
        }
        if (Files.isDirectory(backing)) {
            try (var files = Files.list(backing)) {
                for (Path file : files.toList()) {
                    if (file.toString().endsWith(".img")) {
                        for (String line : run("losetup", "-j", file.toString()).split("\n")) {
                            if (line.startsWith("/dev/")) {
                                run("losetup", "-d", line.substring(0, line.indexOf(':')));
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void anAttachedVolumeIsABlockDeviceUntilItIsDetached() throws Exception {
        DoEmulator emulator = start(settings().withLoopDevices(true));
        emulator.addDroplet(1001, "nyc1", tmp.resolve("dev"));
        DoHttp http = http(emulator);
        String id = createVolume(http, "real", "nyc1", 1).get("id").asText();
        Path backing = tmp.resolve("backing").resolve(id + ".img");

        attachAndWait(http, id, 1001, "nyc1");

        Path link = tmp.resolve("dev").resolve("scsi-0DO_Volume_real");
        Path device = Files.readSymbolicLink(link);
        assertTrue(device.toString().matches("/dev/loop\\d+"), device.toString());
        int mode = (Integer) Files.getAttribute(device, "unix:mode");
        assertEquals(S_IFBLK, mode & S_IFMT, device + " is a block device");
        assertTrue(run("losetup", "-j", backing.toString()).startsWith(device + ":"));
        byte[] data = "through the block device".getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile raf = new RandomAccessFile(link.toFile(), "rw")) {
            raf.seek(4096);
            raf.write(data);
            raf.getFD().sync();
        }

        detachAndWait(http, id, 1001, "nyc1");

        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS));
        assertEquals("", run("losetup", "-j", backing.toString()).trim(), "loop device released");
        byte[] read = new byte[data.length];
        try (RandomAccessFile raf = new RandomAccessFile(backing.toFile(), "r")) {
            raf.seek(4096);
            raf.readFully(read);
        }
        assertArrayEquals(data, read, "what was written to the device is in the backing file");
    }

    /**
     * On DigitalOcean a resize grows the disk of an attached volume under its droplet (the filesystem is
     * the user's to grow): the emulator grows the backing file and refreshes the loop device, and with
     * device-mapper the device over it, when the action completes.
     */
    @Test
    void aResizeOfAnAttachedVolumeGrowsItsDeviceOnTheDropletWhenItCompletes() throws Exception {
        boolean mapper = DeviceMapper.unavailable().isEmpty();
        DoEmulator emulator = start(settings().withLoopDevices(true).withDeviceMapper(mapper));
        emulator.addDroplet(1001, "nyc1", tmp.resolve("dev"));
        DoHttp http = http(emulator);
        String id = createVolume(http, "grows", "nyc1", 1).get("id").asText();
        attachAndWait(http, id, 1001, "nyc1");
        Path device = tmp.resolve("dev").resolve("scsi-0DO_Volume_grows").toRealPath();
        assertEquals(1L << 30, deviceBytes(device));

        JsonNode resize = started(http.post("/v2/volumes/" + id + "/actions",
                "{\"type\":\"resize\",\"size_gigabytes\":3,\"region\":\"nyc1\"}"));
        assertEquals("completed", awaitAction(http, resize).get("status").asText());

        assertEquals(3L << 30, deviceBytes(device), emulator.deviceMode().mode() + " device " + device);
        assertEquals(3L << 30, Files.size(tmp.resolve("backing").resolve(id + ".img")));
        assertEquals(device, tmp.resolve("dev").resolve("scsi-0DO_Volume_grows").toRealPath(), "the same device, grown");
        detachAndWait(http, id, 1001, "nyc1");
    }

    /** A block device's size: sysfs gives it in 512-byte sectors (Documentation/ABI/stable/sysfs-block). */
    private static long deviceBytes(Path device) throws IOException {
        String name = device.getFileName().toString();
        return Long.parseLong(Files.readString(Path.of("/sys/class/block", name, "size")).strip()) * 512;
    }

    @Test
    void aRestartedEmulatorReusesTheLoopDeviceOfAnAttachedVolume() throws Exception {
        EmulatorSettings settings = settings().withLoopDevices(true).withStateFile(tmp.resolve("do.json"));
        DoEmulator first = start(settings);
        first.addDroplet(1001, "nyc1", tmp.resolve("dev"));
        String id = createVolume(http(first), "again", "nyc1", 1).get("id").asText();
        attachAndWait(http(first), id, 1001, "nyc1");
        Path link = tmp.resolve("dev").resolve("scsi-0DO_Volume_again");
        Path device = Files.readSymbolicLink(link);
        first.close();

        DoEmulator second = start(settings);

        assertEquals(device, Files.readSymbolicLink(link));
        String loops = run("losetup", "-j", tmp.resolve("backing").resolve(id + ".img").toString()).trim();
        assertEquals(1, loops.lines().count(), "one loop device, not a second one: " + loops);
        detachAndWait(http(second), id, 1001, "nyc1");
    }

    /**
     * On DigitalOcean a detached volume's disk leaves the droplet: what still holds it there gets I/O
     * errors, and writes no more to the volume that another droplet now has.
     */
    @Test
    void withDeviceMapperADetachedVolumesDeviceFailsEveryIoOnTheOldDroplet() throws Exception {
        String unavailable = DeviceMapper.unavailable().orElse(null);
        if (unavailable != null) {
            System.err.println("SKIPPED LoopDevicesTest.withDeviceMapperADetachedVolumesDeviceFailsEveryIoOnTheOldDroplet: "
                    + "needs device-mapper: " + unavailable);
            Assumptions.abort("SKIPPED: needs device-mapper: " + unavailable);
        }
        DoEmulator emulator = start(settings().withLoopDevices(true).withDeviceMapper(true));
        assertEquals("device-mapper", emulator.deviceMode().mode());
        emulator.addDroplet(1001, "nyc1", tmp.resolve("dev"));
        DoHttp http = http(emulator);
        String id = createVolume(http, "cut", "nyc1", 1).get("id").asText();
        attachAndWait(http, id, 1001, "nyc1");
        Path link = tmp.resolve("dev").resolve("scsi-0DO_Volume_cut");
        assertEquals(Path.of("/dev/mapper", DeviceMapper.name(1001, id)), Files.readSymbolicLink(link));
        byte[] data = "written before the detach".getBytes(StandardCharsets.UTF_8);

        try (RandomAccessFile held = new RandomAccessFile(link.toFile(), "rw")) {
            held.seek(4096);
            held.write(data);
            held.getFD().sync();

            detachAndWait(http, id, 1001, "nyc1");

            assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS));
            held.seek(1 << 20);
            assertThrows(IOException.class, () -> {
                held.write(new byte[4096]);
                held.getFD().sync();
            }, "a write on the old droplet fails once the volume is detached");
        }
        byte[] read = new byte[data.length];
        try (RandomAccessFile raf = new RandomAccessFile(tmp.resolve("backing").resolve(id + ".img").toFile(), "r")) {
            raf.seek(4096);
            raf.readFully(read);
        }
        assertArrayEquals(data, read, "what was written before the detach is in the volume");
        // The kernel removes a device marked for deferred removal from a work queue after its last close.
        long end = System.nanoTime() + 5_000_000_000L;
        while (new DeviceMapper().names().stream().anyMatch(n -> n.contains(id)) && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertEquals(List.of(), new DeviceMapper().names().stream().filter(n -> n.contains(id)).toList(),
                "the device went once its last user closed it");
    }

    @Test
    void withoutDeviceMapperTheEmulatorFallsBackToLoopDevicesAndSaysSo() {
        Assumptions.assumeTrue(DeviceMapper.unavailable().isPresent(), "this machine has device-mapper");

        DoEmulator emulator = start(settings().withLoopDevices(true).withDeviceMapper(true));

        assertEquals("loop", emulator.deviceMode().mode());
        assertTrue(emulator.deviceMode().said().contains("device-mapper is NOT available here"),
                emulator.deviceMode().said());
        assertTrue(emulator.deviceMode().said().contains("keeps reading and writing it"), emulator.deviceMode().said());
    }

    @Test
    void aFailingLosetupIsReportedWithTheCommandAndItsOutput() {
        Path missing = tmp.resolve("no-such-backing.img");

        DeviceException failure = org.junit.jupiter.api.Assertions.assertThrows(DeviceException.class,
                () -> new LoopDevices().attach(missing));

        assertTrue(failure.getMessage().contains("losetup --find --show " + missing), failure.getMessage());
        assertTrue(failure.getMessage().contains("failed (exit"), failure.getMessage());
    }

    private static String run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out.trim());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + " could not run: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
