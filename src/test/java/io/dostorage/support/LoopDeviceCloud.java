package io.dostorage.support;

import io.dostorage.emulator.DoEmulator;
import io.dostorage.emulator.EmulatorSettings;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A DigitalOcean emulator whose volumes are loop devices, for tests of the real host layer: created
 * only where this machine can attach loop devices and has {@code tools} (otherwise the test is
 * SKIPPED loudly, see {@link LoopDevices}). Everything lives under one folder; {@link #close}
 * checks DO's contract, then unmounts whatever is mounted under the folder and detaches the loop
 * devices the emulator attached, which it leaves in place by design.
 */
public final class LoopDeviceCloud implements AutoCloseable {

    private final LoopDevices loops;
    private final DoEmulator emulator;

    private LoopDeviceCloud(LoopDevices loops, DoEmulator emulator) {
        this.loops = loops;
        this.emulator = emulator;
    }

    public static LoopDeviceCloud start(String test, Path folder, Duration actionDelay, String... tools) {
        LoopDevices loops = LoopDevices.forTest(test, tools).unmountUnderOnClose(folder).detachBackedUnderOnClose(folder);
        DoEmulator emulator = Emulators.start(EmulatorSettings.defaults().withActionDelay(actionDelay)
                .withBackingDir(folder.resolve("do-volumes")).withLoopDevices(true));
        return new LoopDeviceCloud(loops, emulator);
    }

    public DoEmulator emulator() {
        return emulator;
    }

    /** For set-up commands a test runs itself (mkfs of a user's volume, blkid). */
    public LoopDevices loops() {
        return loops;
    }

    @Override
    public void close() {
        try {
            Emulators.closeChecked(emulator);
        } finally {
            loops.close();
        }
    }
}
