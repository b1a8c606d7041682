package io.dostorage.emulator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A stateful stand-in for DigitalOcean: the parts of API v2 and of the droplet metadata service
 * the plugin uses (see {@link DoEndpoints}), on {@code 127.0.0.1}, in plain Java (no Quarkus, no
 * CDI), so it runs inside the plugin (dev mode), inside tests and on its own ({@link EmulatorMain}).
 *
 * <ul>
 *   <li>{@link #apiUrl()}: DO's API v2 under {@code /v2}, answering as DO does (see {@link DoApiHandler}).</li>
 *   <li>{@link #metadataUrl(long)}: a droplet's metadata service ({@code <base>/metadata/v1/id}, ...).</li>
 *   <li>{@code /_emulator/...}: a control API for tests in another process (see {@link AdminHandler}).</li>
 * </ul>
 *
 * <p>Attaching a volume makes its device appear in the droplet's device folder as
 * {@code scsi-0DO_Volume_<name>}, pointing at the volume's sparse backing file or, with loop
 * devices, at a real block device (with device-mapper, one that fails every I/O once detached).
 * With a state file, everything survives a restart or a crash.
 */
public final class DoEmulator implements AutoCloseable {

    static {
        // The JDK's HTTP server writes the headers and the body of an answer separately; with Nagle's
        // algorithm on, the body then waits for the client's delayed ACK (~40 ms per request). The
        // server reads this property once, when it is first used.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final System.Logger LOG = System.getLogger(DoEmulator.class.getName());

    private final HttpServer server;
    private final ExecutorService executor;
    private final Cloud cloud;
    private final Faults faults;
    private final DoApiHandler api;
    private final URI apiUrl;
    private final Path temporaryBackingDir;
    private final DeviceMode deviceMode;
    private boolean closed;

    /**
     * What an attached volume's device is on a droplet, and what that means for a droplet it was
     * detached from.
     *
     * @param mode {@code device-mapper}, {@code loop} or {@code file}
     * @param said the sentence the emulator logged about it at start
     */
    public record DeviceMode(String mode, String said) {
    }

    private DoEmulator(HttpServer server, ExecutorService executor, Cloud cloud, Faults faults, DoApiHandler api,
                       URI apiUrl, Path temporaryBackingDir, DeviceMode deviceMode) {
        this.server = server;
        this.executor = executor;
        this.cloud = cloud;
        this.faults = faults;
        this.api = api;
        this.apiUrl = apiUrl;
        this.temporaryBackingDir = temporaryBackingDir;
        this.deviceMode = deviceMode;
    }

    /**
     * Starts an emulator on {@code settings.bindAddress():settings.port()}, taking over the state file when it
     * exists (attached volumes get their device links back, actions in flight complete relative to
     * their recorded start).
     *
     * <p>Backing files go to {@code settings.backingDir()}; when that is null, to
     * {@code <state file>.volumes/} next to a state file (so the data survives with the state), or
     * to a temporary folder removed on {@link #close()} when there is no state file.
     *
     * @throws DeviceException when loop devices are asked for and {@code losetup} cannot be used
     */
    public static DoEmulator start(EmulatorSettings settings) {
        Clock clock = Clock.systemUTC();
        ObjectMapper json = new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        LoopDevices loops = null;
        if (settings.loopDevices()) {
            loops = new LoopDevices();
            loops.check();
        }
        DeviceMapper mapper = null;
        String devicesSaid;
        if (loops != null && settings.deviceMapper()) {
            Optional<String> unavailable = DeviceMapper.unavailable();
            mapper = unavailable.isEmpty() ? new DeviceMapper() : null;
            devicesSaid = unavailable.map(why -> "device-mapper is NOT available here (" + why + "): attached volumes are "
                    + "plain loop devices, and a detach only removes the droplet's link, so a container still using the "
                    + "volume on the old droplet keeps reading and writing it, which DigitalOcean never lets happen (its "
                    + "I/O fails there)").orElse("attached volumes are device-mapper devices over loop devices: a detach "
                    + "switches the old droplet's device to the error target, so whatever still uses it there gets I/O "
                    + "errors, as on DigitalOcean");
            unavailable.ifPresentOrElse(why -> LOG.log(System.Logger.Level.WARNING, devicesSaid),
                    () -> LOG.log(System.Logger.Level.INFO, devicesSaid));
        } else if (loops != null) {
            devicesSaid = "attached volumes are plain loop devices (device-mapper not asked for): a detach only removes "
                    + "the droplet's link, so a user still holding the device on the old droplet keeps using the disk";
            LOG.log(System.Logger.Level.INFO, devicesSaid);
        } else {
            devicesSaid = "attached volumes are plain files (no block devices): a detach only removes the droplet's link";
        }
        Path temporaryBackingDir = null;
        Path backingDir = settings.backingDir();
        try {
            if (backingDir == null && settings.stateFile() != null) {
                Path state = settings.stateFile().toAbsolutePath();
                backingDir = state.resolveSibling(state.getFileName() + ".volumes");
            } else if (backingDir == null) {
                backingDir = Files.createTempDirectory("do-emulator-volumes-");
                temporaryBackingDir = settings.loopDevices() ? null : backingDir;
            }
            Files.createDirectories(backingDir);
        } catch (IOException e) {
            throw new UncheckedIOException("creating the emulator's backing folder " + backingDir, e);
        }
        Faults faults = new Faults(clock);
        StateFile stateFile = settings.stateFile() == null ? null : new StateFile(settings.stateFile(), json);
        Cloud cloud = new Cloud(clock, settings.actionDelay(), settings.volumeLimitPerDroplet(), faults,
                new Devices(backingDir, loops, mapper), stateFile);
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(settings.bindAddress()), settings.port()), 64);
        } catch (IOException e) {
            cloud.close();
            throw new UncheckedIOException("the DigitalOcean emulator cannot listen on " + settings.bindAddress() + ":"
                    + settings.port(), e);
        }
        URI apiUrl = URI.create("http://" + settings.bindAddress() + ":" + server.getAddress().getPort());
        DoApiHandler api = new DoApiHandler(cloud, faults, settings.token(), json, clock, apiUrl);
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "do-emulator-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        DoEmulator emulator = new DoEmulator(server, executor, cloud, faults, api, apiUrl, temporaryBackingDir,
                new DeviceMode(mapper != null ? "device-mapper" : loops != null ? "loop" : "file", devicesSaid));
        server.createContext("/v2", api);
        server.createContext("/droplets/", new MetadataHandler(cloud));
        server.createContext("/_emulator/", new AdminHandler(emulator, json));
        server.setExecutor(executor);
        server.start();
        return emulator;
    }

    /** What attached volumes are on the droplets: see {@link DeviceMode}. */
    public DeviceMode deviceMode() {
        return deviceMode;
    }

    /** How many volume actions DO's "pending event" rule refused (one action at a time per droplet). */
    public int pendingEventRefusals() {
        return cloud.pendingEventRefusals();
    }

    public int port() {
        return apiUrl.getPort();
    }

    /** {@code http://127.0.0.1:<port>}; DO's paths ({@code /v2/...}) live under it. */
    public URI apiUrl() {
        return apiUrl;
    }

    /** The metadata service of one droplet: {@code GET <base>/metadata/v1/id} answers its id, {@code /metadata/v1/region} its region. */
    public URI metadataUrl(long dropletId) {
        return URI.create(apiUrl + "/droplets/" + dropletId);
    }

    /** An active droplet whose volumes' devices appear in {@code deviceDir}; adding it again changes nothing. */
    public void addDroplet(long id, String region, Path deviceDir) {
        cloud.addDroplet(id, region, deviceDir);
    }

    /** "active" or "off" (DO's other states "new" and "archive" are accepted too). */
    public void setDropletStatus(long id, String status) {
        cloud.setDropletStatus(id, status);
    }

    public Faults faults() {
        return faults;
    }

    /** DO API calls so far by "METHOD /path/template", e.g. "POST /v2/volumes/{volume_id}/actions". */
    public Map<String, Integer> calls() {
        return api.calls();
    }

    public int totalCalls() {
        return api.calls().values().stream().mapToInt(Integer::intValue).sum();
    }

    public void resetCalls() {
        api.resetCalls();
        cloud.resetPendingEventRefusals();
    }

    /**
     * Checks every DO API request before it is handled and every answer before it is sent; null
     * turns checking off. A request that violates the contract is answered 400
     * {@code {"id": "bad_request", "message": "contract violation: ..."}}, an answer that violates it
     * is replaced by 500 {@code {"id": "server_error", "message": "emulator response violates the contract: ..."}};
     * both are recorded in {@link #violations()}.
     */
    public void setContractCheck(ContractCheck check) {
        api.setContractCheck(check);
    }

    public List<String> violations() {
        return api.violations();
    }

    public Optional<EmulatedVolume> volume(String name, String region) {
        return cloud.volumeByName(name, region).map(Cloud::emulated);
    }

    public List<EmulatedVolume> volumes() {
        return cloud.emulatedVolumes();
    }

    /** Test hook: the body of the next DO API answer is passed through {@code corruption} before it is checked and sent. */
    void corruptNextResponse(UnaryOperator<String> corruption) {
        api.corruptNextResponse(corruption);
    }

    /** Stops serving. The state file stays, attachments, links and loop devices stay as they are. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        executor.shutdownNow();
        cloud.close();
        if (temporaryBackingDir != null) {
            deleteTree(temporaryBackingDir);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // A leftover in a temporary folder harms nothing.
                }
            });
        } catch (IOException e) {
            // Same: best effort.
        }
    }
}
