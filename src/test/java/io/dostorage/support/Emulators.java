package io.dostorage.support;

import io.dostorage.emulator.DoEmulator;
import io.dostorage.emulator.EmulatorSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * DigitalOcean emulators for tests, with DO's OpenAPI contract checked on every request and
 * answer. Close them with {@link #closeChecked}, which fails the test when anything broke the
 * contract.
 */
public final class Emulators {

    private Emulators() {
    }

    /** Fast actions (20 ms), backing files under {@code folder}, any token, contract checked. */
    public static DoEmulator start(Path folder) {
        return start(EmulatorSettings.defaults()
                .withActionDelay(Duration.ofMillis(20))
                .withBackingDir(folder.resolve("do-volumes")));
    }

    public static DoEmulator start(EmulatorSettings settings) {
        DoEmulator emulator = DoEmulator.start(settings);
        emulator.setContractCheck(OpenApiContract.instance());
        return emulator;
    }

    /** Closes the emulator; then throws when it recorded contract violations. */
    public static void closeChecked(DoEmulator emulator) {
        List<String> violations = emulator.violations();
        emulator.close();
        if (!violations.isEmpty()) {
            throw new AssertionError("DigitalOcean contract violations:\n  " + String.join("\n  ", violations));
        }
    }
}
