package io.dostorage.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged plugin ({@code target/quarkus-app/quarkus-run.jar}) as a separate process, with its
 * socket, mount root and state under one folder, configured through environment variables exactly
 * as {@code docker plugin set} configures it.
 */
public final class PluginProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path folder;
    private final Map<String, String> env;
    private final Path log;
    private final Process process;

    private PluginProcess(Path folder, Map<String, String> env, Path log, Process process) {
        this.folder = folder;
        this.env = env;
        this.log = log;
        this.process = process;
    }

    /** The environment a plugin under {@code folder} runs with. */
    public static Map<String, String> environment(Path folder) {
        Map<String, String> env = new HashMap<>();
        env.put("SOCKET", folder.resolve("plugin.sock").toString());
        env.put("MOUNT_ROOT", folder.resolve("mnt").toString());
        env.put("SWEEP_INTERVAL", "off");
        // DigitalOcean is the in-process emulator (state under the state folder, so it survives kill -9),
        // with a short action time; the volume's filesystem is a folder unless a test asks for block devices.
        env.put("DO_EMULATOR", "true");
        env.put("DO_EMULATOR_ACTION_DELAY", "50ms");
        env.put("DEVICE_DIR", folder.resolve("devices").toString());
        env.put("MOUNTER", "folder");
        env.put("UNMOUNT_GRACE", "0s");
        return env;
    }

    /** Starts the jar and does not wait for it. */
    public static PluginProcess launch(Path folder, Map<String, String> env) {
        String jar = System.getProperty("dostorage.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("system property dostorage.jar must name the packaged plugin jar (run with "
                    + "./mvnw verify); it is " + jar);
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx128m", "-jar", jar));
        try {
            Path log = Files.createTempFile(folder, "plugin-", ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).directory(folder.toFile());
            builder.environment().putAll(env);
            return new PluginProcess(folder, Map.copyOf(env), log, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("starting " + command, e);
        }
    }

    /** Starts the jar and waits until its socket answers. */
    public static PluginProcess start(Path folder, Map<String, String> env) {
        PluginProcess plugin = launch(folder, env);
        plugin.awaitReady();
        return plugin;
    }

    public static PluginProcess start(Path folder) {
        return start(folder, environment(folder));
    }

    public Path socket() {
        return Path.of(env.get("SOCKET"));
    }

    public Path mountRoot() {
        return Path.of(env.get("MOUNT_ROOT"));
    }

    public Map<String, String> env() {
        return env;
    }

    public DockerClient connect() throws IOException {
        return DockerClient.connect(socket());
    }

    public void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("plugin exited with " + process.exitValue() + " before its socket answered:\n" + log());
            }
            if (Files.exists(socket())) {
                try (DockerClient client = connect()) {
                    if (client.post("VolumeDriver.Capabilities", "{}").status() == 200) {
                        return;
                    }
                } catch (IOException | UncheckedIOException e) {
                    // not listening yet
                }
            }
            sleep(50);
        }
        throw new IllegalStateException("plugin socket did not answer within " + START_TIMEOUT + ":\n" + log());
    }

    /** Waits for the process to end by itself and returns its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("plugin still running after " + timeout + ":\n" + log());
        }
        return process.exitValue();
    }

    /** {@code kill -9}: no shutdown hook runs, nothing is flushed or closed. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    public Path folder() {
        return folder;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            kill9();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
