package io.dostorage.emulator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the DigitalOcean emulator on its own until the process is stopped:
 *
 * <pre>
 * java -cp 'target/quarkus-app/app/*:target/quarkus-app/lib/main/*' io.dostorage.emulator.EmulatorMain \
 *     --port 8089 --state /tmp/do.json --droplet 1001:nyc1:/tmp/dev1
 * </pre>
 *
 * Options: {@code --port N} (default 8089), {@code --bind ADDRESS} (default 127.0.0.1), {@code --state FILE},
 * {@code --backing-dir DIR}, {@code --action-delay 1s|500ms}, {@code --token T}, {@code --loop-devices} (with
 * device-mapper devices over them where the kernel has it; {@code --no-device-mapper} keeps plain loop devices),
 * {@code --volume-limit N}, and {@code --droplet ID:REGION:DEVICE_DIR} (repeatable).
 */
public final class EmulatorMain {

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)");

    private EmulatorMain() {
    }

    record Droplet(long id, String region, Path deviceDir) {
    }

    record Options(EmulatorSettings settings, List<Droplet> droplets) {
    }

    public static void main(String[] args) throws InterruptedException {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("emulator: " + e.getMessage());
            System.err.println("usage: EmulatorMain [--port N] [--state FILE] [--backing-dir DIR] [--action-delay 1s|500ms]"
                    + " [--token T] [--loop-devices [--no-device-mapper]] [--volume-limit N] [--bind ADDRESS]"
                    + " [--droplet ID:REGION:DEVICE_DIR]...");
            System.exit(2);
            return;
        }
        DoEmulator emulator = DoEmulator.start(options.settings());
        for (Droplet droplet : options.droplets()) {
            emulator.addDroplet(droplet.id(), droplet.region(), droplet.deviceDir());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            emulator.close();
            stopped.countDown();
        }, "do-emulator-shutdown"));
        System.out.println("DigitalOcean emulator on " + emulator.apiUrl());
        System.out.println("devices (" + emulator.deviceMode().mode() + "): " + emulator.deviceMode().said());
        System.out.flush();
        stopped.await();
    }

    static Options parse(String[] args) {
        EmulatorSettings settings = EmulatorSettings.defaults().withPort(8089);
        List<Droplet> droplets = new ArrayList<>();
        boolean noDeviceMapper = false;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--loop-devices")) {
                settings = settings.withLoopDevices(true).withDeviceMapper(!noDeviceMapper);
                continue;
            }
            if (option.equals("--no-device-mapper")) {
                noDeviceMapper = true;
                settings = settings.withDeviceMapper(false);
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            String value = args[++i];
            settings = switch (option) {
                case "--port" -> settings.withPort(number(option, value));
                case "--bind" -> settings.withBindAddress(value);
                case "--state" -> settings.withStateFile(Path.of(value));
                case "--backing-dir" -> settings.withBackingDir(Path.of(value));
                case "--action-delay" -> settings.withActionDelay(duration(value));
                case "--token" -> settings.withToken(value);
                case "--volume-limit" -> settings.withVolumeLimit(number(option, value));
                case "--droplet" -> {
                    droplets.add(droplet(value));
                    yield settings;
                }
                default -> throw new IllegalArgumentException("unknown option " + option);
            };
        }
        return new Options(settings, droplets);
    }

    private static int number(String option, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " wants a number, not " + value);
        }
    }

    static Duration duration(String value) {
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException("a duration is like 500ms, 1s or 2m, not " + value);
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            default -> Duration.ofMinutes(amount);
        };
    }

    private static Droplet droplet(String value) {
        String[] parts = value.split(":", 3);
        if (parts.length != 3 || parts[2].isEmpty()) {
            throw new IllegalArgumentException("--droplet wants ID:REGION:DEVICE_DIR, not " + value);
        }
        try {
            return new Droplet(Long.parseLong(parts[0]), parts[1], Path.of(parts[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--droplet wants a numeric droplet id, not " + parts[0]);
        }
    }
}
