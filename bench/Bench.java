import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The dostorage benchmark: the packaged plugin (target/quarkus-app/quarkus-run.jar) against the
 * standalone DigitalOcean emulator (io.dostorage.emulator.EmulatorMain) with a fixed action
 * latency, spoken to over its unix socket as dockerd does. Prints one Markdown table.
 *
 * <p>JDK only, run by the source launcher: {@code java bench/Bench.java [options]} from the repo
 * root, after {@code ./mvnw -B -ntp package -DskipTests} (bench/run.sh does both).
 *
 * <p>Options: {@code --action-delay MS} (default 500), {@code --starts N} (5), {@code --seconds S}
 * per throughput run (5), {@code --idle-seconds S} (20), {@code --flags "..."} (JVM flags instead
 * of config.json's, for tuning experiments), {@code --env K=V} (a plugin setting, repeatable),
 * {@code --only startup} (just the start-up, RSS and 32-client Get rows), {@code --keep} (keep the
 * /tmp/dsbench-* folder with the plugin and emulator logs).
 */
public class Bench {

    static final String REGION = "nyc1";
    static final long ME = 1001;
    static final long OTHER = 1002;
    static final List<Process> PROCESSES = new CopyOnWriteArrayList<>();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static Path repo;
    static Path appDir;
    static Path work;
    static String java;
    static List<String> flags;
    static String flagSource;
    static int actionDelayMs = 500;
    static int starts = 5;
    static int seconds = 5;
    static int idleSeconds = 20;
    static String only = "";
    static boolean keep;
    static String emulatorUrl;
    static String loadAtStart;
    /** Extra plugin settings (--env K=V), e.g. ACTION_POLL_INITIAL=50ms to weigh poll intervals. */
    static final Map<String, String> PLUGIN_ENV = new LinkedHashMap<>();

    /** Rows of the table, in order: what, value, target. */
    static final List<String[]> ROWS = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--action-delay" -> actionDelayMs = Integer.parseInt(args[++i]);
                case "--starts" -> starts = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--idle-seconds" -> idleSeconds = Integer.parseInt(args[++i]);
                case "--flags" -> {
                    flags = List.of(args[++i].trim().split("\\s+"));
                    flagSource = "--flags";
                }
                case "--only" -> only = args[++i];
                case "--keep" -> keep = true;
                case "--env" -> {
                    String[] kv = args[++i].split("=", 2);
                    PLUGIN_ENV.put(kv[0], kv[1]);
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        loadAtStart = load();
        repo = Path.of("").toAbsolutePath();
        appDir = repo.resolve("target/quarkus-app");
        if (!Files.isRegularFile(appDir.resolve("quarkus-run.jar"))) {
            fail("no target/quarkus-app/quarkus-run.jar: run ./mvnw -B -ntp package -DskipTests first (bench/run.sh does)");
        }
        java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        if (flags == null) {
            flags = shippedFlags();
            flagSource = "config.json";
        }
        if (flags.stream().anyMatch(f -> f.startsWith("-XX:SharedArchiveFile="))) {
            makeAppCdsArchive();
        }
        // Short: a unix socket path must stay under 108 bytes.
        work = Files.createTempDirectory(Path.of("/tmp"), "dsbench-");
        Runtime.getRuntime().addShutdownHook(new Thread(Bench::stopAll));
        try {
            run();
        } finally {
            stopAll();
            if (!keep) {
                try (var walk = Files.walk(work)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
    }

    static void run() throws Exception {
        System.err.printf("dostorage benchmark: JVM flags (%s): %s; emulator action latency %d ms; work folder %s%n",
                flagSource, String.join(" ", flags), actionDelayMs, work);
        startEmulator();

        // 1. Start -> socket answers, fresh state folder each time.
        List<Long> startMs = new ArrayList<>();
        List<Long> startRss = new ArrayList<>();
        for (int i = 0; i < starts; i++) {
            Plugin p = Plugin.launch(work.resolve("start-" + i), Map.of());
            long ms = p.awaitReady(Duration.ofSeconds(60));
            startMs.add(ms);
            startRss.add(p.rssKib());
            p.stop();
            System.err.printf("  start %d: socket answered after %d ms%n", i + 1, ms);
        }
        row("Start → socket answers (Capabilities 200), median of " + starts + " fresh starts",
                median(startMs) + " ms (each: " + join(startMs) + ")", "≤ 1000 ms");
        row("RSS just after start (median)", mib(median(startRss)), "");
        if (only.equals("startup")) {
            // Just start-up and memory after load, for quick flag experiments.
            Plugin p = Plugin.launch(work.resolve("main"), Map.of());
            p.awaitReady(Duration.ofSeconds(60));
            try (Conn c = p.connect()) {
                setUpVolumes(c, 4);
                mixed(p, c, 500);
                mixed(p, c, 1000);
                row("RSS after warm-up + 1,000 mixed requests (VmRSS)", mib(p.rssKib()), "≤ 96 MiB");
            }
            throughput(p, 32, "Get, 32 clients");
            row("RSS after the 32-client Get run (VmRSS)", mib(p.rssKib()), "");
            p.stop();
            print();
            return;
        }

        // 2. One plugin for the rest.
        Path mainFolder = work.resolve("main");
        Plugin p = Plugin.launch(mainFolder, Map.of());
        p.awaitReady(Duration.ofSeconds(60));
        try (Conn c = p.connect()) {
            // Create
            resetCalls();
            c.ok("VolumeDriver.Create", "{\"Name\":\"bench-a\",\"Opts\":{\"size\":\"1\"}}");
            row("DO calls: Create (new volume)", calls(), "");

            // Mount of a detached volume (fresh): calls, and latency over 5 volumes.
            resetCalls();
            long first = timedMount(c, "bench-a", "c1");
            row("DO calls: Mount, fresh (detached, known here)", calls(), "");
            List<Long> mountMs = new ArrayList<>(List.of(first));
            for (int i = 1; i < 5; i++) {
                String name = "bench-m" + i;
                c.ok("VolumeDriver.Create", "{\"Name\":\"" + name + "\",\"Opts\":{\"size\":\"1\"}}");
                mountMs.add(timedMount(c, name, "c1"));
            }
            long mountMedian = median(mountMs);
            row("Mount of a detached volume: total, median of 5 (each)",
                    mountMedian + " ms (" + join(mountMs) + ")", "");
            row("Mount of a detached volume: total − action latency (" + actionDelayMs + " ms)",
                    (mountMedian - actionDelayMs) + " ms", "≤ 100 ms");

            // Mount of a volume attached here already (made and attached in DO by someone else, e.g. before a reinstall).
            String attachedId = emulatorVolume("bench-here", ME);
            resetCalls();
            c.ok("VolumeDriver.Mount", "{\"Name\":\"bench-here\",\"ID\":\"c1\"}");
            row("DO calls: Mount, already attached here (unknown locally, attached to " + ME + " in DO)", calls(), "");

            // Mount of a volume another droplet holds: per-volume takeover=force.
            c.ok("VolumeDriver.Create", "{\"Name\":\"bench-held\",\"Opts\":{\"size\":\"1\",\"takeover\":\"force\"}}");
            attach(volumeId("bench-held"), OTHER);
            resetCalls();
            long t0 = System.nanoTime();
            c.ok("VolumeDriver.Mount", "{\"Name\":\"bench-held\",\"ID\":\"c1\"}");
            long heldMs = ms(System.nanoTime() - t0);
            row("DO calls: Mount, held by droplet " + OTHER + " (-o takeover=force: detach there, attach here; "
                    + heldMs + " ms = 2 actions)", calls(), "");

            // Mount a second caller on a mounted volume: no DO call expected.
            resetCalls();
            c.ok("VolumeDriver.Mount", "{\"Name\":\"bench-a\",\"ID\":\"c2\"}");
            c.ok("VolumeDriver.Unmount", "{\"Name\":\"bench-a\",\"ID\":\"c2\"}");
            row("DO calls: Mount + Unmount of a 2nd caller on a mounted volume", calls(), "");

            // Get, Path, List x100
            resetCalls();
            for (int i = 0; i < 100; i++) {
                c.ok("VolumeDriver.Get", "{\"Name\":\"bench-a\"}");
            }
            row("DO calls: Get of a known volume (per 100 Gets)", calls(), "0");
            resetCalls();
            for (int i = 0; i < 100; i++) {
                c.ok("VolumeDriver.Path", "{\"Name\":\"bench-a\"}");
            }
            row("DO calls: Path (per 100 Paths)", calls(), "0");
            // A volume only DO knows: Get answers from the short-lived copy of DO's list (LIST_CACHE_TTL),
            // which List shares; the first of them after a change fetches it.
            emulatorVolume("bench-remote", 0);
            resetCalls();
            for (int i = 0; i < 100; i++) {
                c.ok("VolumeDriver.Get", "{\"Name\":\"bench-remote\"}");
            }
            row("DO calls: Get of a volume only DO knows (per 100 Gets; the first fills the list cache)", calls(), "");
            resetCalls();
            for (int i = 0; i < 100; i++) {
                c.ok("VolumeDriver.List", "{}");
            }
            row("DO calls: List (per 100 Lists, list cache warm, within LIST_CACHE_TTL)", calls(), "");

            // Unmount of the last reference: the release (detach) follows after UNMOUNT_GRACE.
            resetCalls();
            t0 = System.nanoTime();
            c.ok("VolumeDriver.Unmount", "{\"Name\":\"bench-m4\",\"ID\":\"c1\"}");
            String unmountCalls = calls();
            String id = volumeId("bench-m4");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!dropletsOf("bench-m4").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            long releasedMs = ms(System.nanoTime() - t0);
            // The plugin may still poll the finished action (up to ACTION_POLL_MAX, 1 s, after DO
            // completed it): count until nothing changed for 1.5 s.
            String seen = calls();
            long quietDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            do {
                Thread.sleep(1500);
                String now = calls();
                if (now.equals(seen)) {
                    break;
                }
                seen = now;
            } while (System.nanoTime() < quietDeadline);
            row("DO calls: Unmount of the last reference (the call itself)", unmountCalls, "");
            row("DO calls: … plus its release after UNMOUNT_GRACE (detached " + releasedMs + " ms after Unmount)",
                    calls(), "");

            // RSS: warm-up, then 1,000 mixed requests.
            mixed(p, c, 500);
            resetCalls();
            long mixedMs = mixed(p, c, 1000);
            row("RSS after warm-up + 1,000 mixed requests (VmRSS)", mib(p.rssKib()), "≤ 96 MiB");
            row("1,000 mixed requests (Get/Path/List/Capabilities/Mount/Unmount of a 2nd caller), one client",
                    mixedMs + " ms, DO calls " + calls(), "");
        }

        // Get throughput.
        throughput(p, 1, "Get, 1 client");
        throughput(p, 32, "Get, 32 clients");
        row("RSS after the Get runs (VmRSS)", mib(p.rssKib()), "");
        p.stop();

        // Idle: a restart on the same state (volumes referenced and mounted), sweeping every second.
        Plugin idle = Plugin.launch(mainFolder, Map.of("SWEEP_INTERVAL", "1s"));
        long restartMs = idle.awaitReady(Duration.ofSeconds(60));
        row("Restart on that state folder (7 volumes known, 6 referenced) → socket answers", restartMs + " ms", "");
        Thread.sleep(3000);
        resetCalls();
        Thread.sleep(idleSeconds * 1000L);
        Map<String, Integer> idleCalls = callMap();
        int idleTotal = idleCalls.values().stream().mapToInt(Integer::intValue).sum();
        row("DO calls while idle: " + idleSeconds + " s at SWEEP_INTERVAL=1s (" + idleSeconds + " sweeps)",
                format(idleCalls), "");
        row("DO calls per idle hour at the default SWEEP_INTERVAL=60s (scaled: per sweep × 60)",
                String.format(Locale.ROOT, "%.1f", idleTotal / (double) idleSeconds * 60), "0");
        idle.stop();
        print();
    }

    // ---------------------------------------------------------------- measurements

    static long timedMount(Conn c, String name, String id) {
        long t0 = System.nanoTime();
        c.ok("VolumeDriver.Mount", "{\"Name\":\"" + name + "\",\"ID\":\"" + id + "\"}");
        long total = ms(System.nanoTime() - t0);
        System.err.printf("  mount %s: %d ms%n", name, total);
        return total;
    }

    /** Volumes bench-s0..n-1, created and mounted (for --only startup). */
    static void setUpVolumes(Conn c, int n) {
        for (int i = 0; i < n; i++) {
            c.ok("VolumeDriver.Create", "{\"Name\":\"bench-s" + i + "\",\"Opts\":{\"size\":\"1\"}}");
            c.ok("VolumeDriver.Mount", "{\"Name\":\"bench-s" + i + "\",\"ID\":\"c1\"}");
        }
    }

    /** n requests: Get 40%, Path 20%, List 10%, Capabilities 10%, Mount/Unmount of a 2nd caller 20%. */
    static long mixed(Plugin p, Conn c, int n) {
        List<String> names = p.mountedNames(c);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            String name = names.get(i % names.size());
            switch (i % 10) {
                case 0, 1, 2, 3 -> c.ok("VolumeDriver.Get", "{\"Name\":\"" + name + "\"}");
                case 4, 5 -> c.ok("VolumeDriver.Path", "{\"Name\":\"" + name + "\"}");
                case 6 -> c.ok("VolumeDriver.List", "{}");
                case 7 -> c.ok("VolumeDriver.Capabilities", "{}");
                case 8 -> c.ok("VolumeDriver.Mount", "{\"Name\":\"" + names.get(0) + "\",\"ID\":\"mix-" + i + "\"}");
                default -> c.ok("VolumeDriver.Unmount", "{\"Name\":\"" + names.get(0) + "\",\"ID\":\"mix-" + (i - 1) + "\"}");
            }
        }
        return ms(System.nanoTime() - t0);
    }

    /** Get of a mounted volume from `clients` kept-alive connections: 1 s warm-up, then `seconds` measured. */
    static void throughput(Plugin p, int clients, String label) throws Exception {
        String name;
        try (Conn c = p.connect()) {
            name = p.mountedNames(c).get(0);
        }
        byte[] request = Conn.request("VolumeDriver.Get", "{\"Name\":\"" + name + "\"}");
        long[][] latencies = new long[clients][];
        int[] counts = new int[clients];
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        long[] window = new long[2];
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        for (int t = 0; t < clients; t++) {
            int me = t;
            Thread thread = new Thread(() -> {
                try (Conn c = p.connect()) {
                    long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                    while (System.nanoTime() < warmEnd) {
                        c.exchange(request);
                    }
                    ready.countDown();
                    go.await();
                    long[] lat = new long[1 << 16];
                    int n = 0;
                    long end = window[1];
                    while (true) {
                        long s = System.nanoTime();
                        if (s >= end) {
                            break;
                        }
                        Reply r = c.exchange(request);
                        long e = System.nanoTime();
                        if (r.status != 200) {
                            throw new IllegalStateException("Get answered " + r.status + ": " + r.body);
                        }
                        if (n == lat.length) {
                            lat = Arrays.copyOf(lat, n * 2);
                        }
                        lat[n++] = e - s;
                    }
                    latencies[me] = lat;
                    counts[me] = n;
                } catch (Throwable e) {
                    errors.add(e);
                    ready.countDown();
                }
            }, "bench-client-" + t);
            thread.start();
            threads.add(thread);
        }
        ready.await();
        window[0] = System.nanoTime();
        window[1] = window[0] + TimeUnit.SECONDS.toNanos(seconds);
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        if (!errors.isEmpty()) {
            throw new IllegalStateException("throughput run failed", errors.get(0));
        }
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int k = 0;
        for (int t = 0; t < clients; t++) {
            System.arraycopy(latencies[t], 0, all, k, counts[t]);
            k += counts[t];
        }
        Arrays.sort(all);
        String value = String.format(Locale.ROOT, "%,.0f req/s, p50 %.2f ms, p99 %.2f ms (%,d requests in %d s)",
                total / (double) seconds, pct(all, 0.50) / 1e6, pct(all, 0.99) / 1e6, total, seconds);
        row(label + " (kept-alive connections, as dockerd)", value, clients > 1 ? "p99 < 5 ms" : "");
        System.err.println("  " + label + ": " + value);
    }

    // ---------------------------------------------------------------- emulator

    static void startEmulator() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.createDirectories(work.resolve("dev-" + ME));
        Files.createDirectories(work.resolve("dev-" + OTHER));
        List<String> command = List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", appDir.resolve("app") + "/*:" + appDir.resolve("lib/main") + "/*",
                "io.dostorage.emulator.EmulatorMain", "--port", Integer.toString(port),
                "--state", work.resolve("do-state.json").toString(),
                "--action-delay", actionDelayMs + "ms",
                "--droplet", ME + ":" + REGION + ":" + work.resolve("dev-" + ME),
                "--droplet", OTHER + ":" + REGION + ":" + work.resolve("dev-" + OTHER));
        Path log = work.resolve("emulator.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PROCESSES.add(process);
        emulatorUrl = "http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.readString(log).contains("DigitalOcean emulator on")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                fail("the emulator did not start:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }

    static String http(String method, String path, String body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(emulatorUrl + path)).timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer bench-token").header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 300) {
                fail("emulator " + method + " " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void resetCalls() {
        http("DELETE", "/_emulator/calls", null);
    }

    static Map<String, Integer> callMap() {
        String body = http("GET", "/_emulator/calls", null);
        Map<String, Integer> calls = new TreeMap<>();
        Matcher m = Pattern.compile("\"([A-Z]+ /[^\"]*)\"\\s*:\\s*(\\d+)").matcher(body);
        while (m.find()) {
            if (Integer.parseInt(m.group(2)) > 0) {
                calls.put(m.group(1), Integer.parseInt(m.group(2)));
            }
        }
        return calls;
    }

    static String calls() {
        return format(callMap());
    }

    static String format(Map<String, Integer> calls) {
        int total = calls.values().stream().mapToInt(Integer::intValue).sum();
        if (total == 0) {
            return "**0**";
        }
        return "**" + total + "**: " + calls.entrySet().stream().map(e -> e.getKey().replace("/v2/", "") + " ×" + e.getValue())
                .collect(Collectors.joining(", "));
    }

    /** Creates a volume directly in DO (not through the plugin), attached to droplet `to` (0: detached); returns its id. */
    static String emulatorVolume(String name, long to) throws InterruptedException {
        String body = http("POST", "/v2/volumes", "{\"name\":\"" + name + "\",\"size_gigabytes\":1,\"region\":\"" + REGION + "\"}");
        Matcher m = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"").matcher(body);
        if (!m.find()) {
            fail("no volume id in " + body);
        }
        if (to != 0) {
            attach(m.group(1), to);
        }
        return m.group(1);
    }

    /** Attaches the volume to the droplet directly in DO and waits until it is. */
    static void attach(String volumeId, long droplet) throws InterruptedException {
        http("POST", "/v2/volumes/" + volumeId + "/actions",
                "{\"type\":\"attach\",\"droplet_id\":" + droplet + ",\"region\":\"" + REGION + "\"}");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!dropletsOfId(volumeId).contains(droplet)) {
            if (System.nanoTime() > deadline) {
                fail("volume " + volumeId + " was not attached to " + droplet);
            }
            Thread.sleep(50);
        }
    }

    /** The emulator's volumes as name -> (id, droplet ids). */
    static Map<String, Object[]> volumes() {
        String body = http("GET", "/_emulator/volumes", null);
        Map<String, Object[]> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"\\s*,\\s*\"name\"\\s*:\\s*\"([^\"]+)\".*?\"droplet_ids\"\\s*:\\s*\\[([^\\]]*)\\]")
                .matcher(body);
        while (m.find()) {
            List<Long> droplets = m.group(3).isBlank() ? List.of()
                    : Arrays.stream(m.group(3).split(",")).map(String::trim).map(Long::parseLong).toList();
            out.put(m.group(2), new Object[] {m.group(1), droplets});
        }
        return out;
    }

    static String volumeId(String name) {
        Object[] v = volumes().get(name);
        if (v == null) {
            fail("the emulator has no volume " + name);
        }
        return (String) v[0];
    }

    @SuppressWarnings("unchecked")
    static List<Long> dropletsOf(String name) {
        return (List<Long>) volumes().get(name)[1];
    }

    @SuppressWarnings("unchecked")
    static List<Long> dropletsOfId(String id) {
        return volumes().values().stream().filter(v -> v[0].equals(id)).map(v -> (List<Long>) v[1]).findFirst().orElse(List.of());
    }

    // ---------------------------------------------------------------- plugin process

    /**
     * The flags name an AppCDS archive: the image makes its own at build time (Dockerfile.jvm runs
     * src/main/docker/appcds.sh with the image's JVM); here the same script makes one for this JVM,
     * in target/quarkus-app, where the flags point once /opt/dostorage/ is replaced.
     */
    static void makeAppCdsArchive() throws Exception {
        List<String> command = new ArrayList<>(List.of("sh", repo.resolve("src/main/docker/appcds.sh").toString(),
                appDir.toString()));
        command.addAll(flags);
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
        b.environment().put("PATH", Path.of(java).getParent() + ":" + System.getenv("PATH"));
        long t0 = System.nanoTime();
        Process process = b.start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            fail("src/main/docker/appcds.sh failed with exit " + process.exitValue() + ":\n" + output);
        }
        System.err.print(output);
        row("AppCDS archive for this JVM (src/main/docker/appcds.sh, as the image build runs it)",
                Files.size(appDir.resolve("app-cds.jsa")) / (1024 * 1024) + " MiB, made in " + ms(System.nanoTime() - t0) + " ms", "");
    }

    /** JVM flags of config.json's entrypoint: everything between "java" and "-jar". */
    static List<String> shippedFlags() throws IOException {
        String config = Files.readString(repo.resolve("config.json"));
        Matcher m = Pattern.compile("\"entrypoint\"\\s*:\\s*\\[(.*?)\\]", Pattern.DOTALL).matcher(config);
        if (!m.find()) {
            fail("config.json has no entrypoint");
        }
        List<String> parts = new ArrayList<>();
        Matcher s = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(m.group(1));
        while (s.find()) {
            parts.add(s.group(1));
        }
        int jar = parts.indexOf("-jar");
        if (parts.isEmpty() || !parts.get(0).endsWith("java") || jar < 0) {
            fail("config.json's entrypoint is not [\"java\", <flags>, \"-jar\", <jar>]: " + parts);
        }
        return List.copyOf(parts.subList(1, jar));
    }

    static final class Plugin {
        final Path folder;
        final Path socket;
        final Path log;
        final Process process;
        final long launchedAt;

        Plugin(Path folder, Path socket, Path log, Process process, long launchedAt) {
            this.folder = folder;
            this.socket = socket;
            this.log = log;
            this.process = process;
            this.launchedAt = launchedAt;
        }

        static Plugin launch(Path folder, Map<String, String> extraEnv) throws IOException {
            Files.createDirectories(folder);
            List<String> command = new ArrayList<>();
            command.add(java);
            // The image keeps the app under /opt/dostorage; here it is target/quarkus-app.
            flags.forEach(f -> command.add(f.replace("/opt/dostorage/", appDir + "/")));
            command.add("-jar");
            command.add(appDir.resolve("quarkus-run.jar").toString());
            Path socket = folder.resolve("p.sock");
            Path log = Files.createTempFile(folder, "plugin-", ".log");
            ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .directory(appDir.toFile());
            Map<String, String> env = b.environment();
            env.put("ACCESS_TOKEN", "bench-token");
            env.put("DO_API_URL", emulatorUrl);
            env.put("DO_METADATA_URL", emulatorUrl + "/droplets/" + ME);
            env.put("SOCKET", socket.toString());
            env.put("MOUNT_ROOT", folder.resolve("mnt").toString());
            env.put("DEVICE_DIR", work.resolve("dev-" + ME).toString());
            env.put("MOUNTER", "folder");
            env.putAll(PLUGIN_ENV);
            env.putAll(extraEnv);
            long t0 = System.nanoTime();
            Process process = b.start();
            PROCESSES.add(process);
            return new Plugin(folder, socket, log, process, t0);
        }

        /** Milliseconds from launch until Capabilities answers 200. */
        long awaitReady(Duration timeout) throws Exception {
            long deadline = launchedAt + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    fail("plugin exited with " + process.exitValue() + ":\n" + Files.readString(log));
                }
                if (Files.exists(socket)) {
                    try (Conn c = connect()) {
                        if (c.post("VolumeDriver.Capabilities", "{}").status == 200) {
                            return ms(System.nanoTime() - launchedAt);
                        }
                    } catch (IOException | UncheckedIOException e) {
                        // not listening yet
                    }
                }
                Thread.sleep(5);
            }
            fail("plugin socket did not answer within " + timeout + ":\n" + Files.readString(log));
            return -1;
        }

        Conn connect() throws IOException {
            return Conn.open(socket);
        }

        long rssKib() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return -1;
        }

        List<String> mountedNames(Conn c) {
            String body = c.ok("VolumeDriver.List", "{}").body;
            List<String> names = new ArrayList<>();
            Matcher m = Pattern.compile("\"Name\"\\s*:\\s*\"([^\"]+)\"\\s*,\\s*\"Mountpoint\"\\s*:\\s*\"").matcher(body);
            while (m.find()) {
                names.add(m.group(1));
            }
            if (names.isEmpty()) {
                fail("no mounted volume in List: " + body);
            }
            return names;
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            PROCESSES.remove(process);
        }
    }

    /** One kept-alive connection to the plugin's socket, with dockerd's headers. */
    static final class Conn implements AutoCloseable {
        final SocketChannel channel;
        final InputStream in;
        final OutputStream out;

        Conn(SocketChannel channel) {
            this.channel = channel;
            this.in = new BufferedInputStream(Channels.newInputStream(channel), 8192);
            this.out = Channels.newOutputStream(channel);
        }

        static Conn open(Path socket) throws IOException {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            return new Conn(ch);
        }

        static byte[] request(String endpoint, String body) {
            byte[] content = (body + "\n").getBytes(StandardCharsets.UTF_8);
            String head = "POST /" + endpoint + " HTTP/1.1\r\nHost: \r\nUser-Agent: Go-http-client/1.1\r\n"
                    + "Content-Length: " + content.length + "\r\nAccept: application/vnd.docker.plugins.v1.2+json\r\n"
                    + "Accept-Encoding: gzip\r\n\r\n";
            byte[] h = head.getBytes(StandardCharsets.US_ASCII);
            byte[] all = Arrays.copyOf(h, h.length + content.length);
            System.arraycopy(content, 0, all, h.length, content.length);
            return all;
        }

        Reply post(String endpoint, String body) {
            return exchange(request(endpoint, body));
        }

        /** Posts and fails unless 200 with an empty Err. */
        Reply ok(String endpoint, String body) {
            Reply r = post(endpoint, body);
            if (r.status != 200 || r.body.matches("(?s).*\"Err\"\\s*:\\s*\"[^\"]+\".*")) {
                fail(endpoint + " " + body + " answered " + r.status + ": " + r.body);
            }
            return r;
        }

        Reply exchange(byte[] request) {
            try {
                out.write(request);
                out.flush();
                String status = line();
                int code = Integer.parseInt(status.split(" ")[1]);
                int length = 0;
                boolean chunked = false;
                for (String l = line(); !l.isEmpty(); l = line()) {
                    String lower = l.toLowerCase(Locale.ROOT);
                    if (lower.startsWith("content-length:")) {
                        length = Integer.parseInt(lower.substring(15).trim());
                    } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                        chunked = true;
                    }
                }
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                if (chunked) {
                    for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(), 16)) {
                        body.write(in.readNBytes(size));
                        line();
                    }
                    line();
                } else {
                    body.write(in.readNBytes(length));
                }
                return new Reply(code, body.toString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed by the plugin");
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    record Reply(int status, String body) {
    }

    // ---------------------------------------------------------------- helpers

    static void row(String what, String value, String target) {
        ROWS.add(new String[] {what, value, target});
    }

    static void print() {
        System.out.println();
        System.out.println("JVM flags (" + flagSource + "): `" + String.join(" ", flags) + "`; emulator action latency "
                + actionDelayMs + " ms; MOUNTER=folder; " + (PLUGIN_ENV.isEmpty() ? "" : "settings " + PLUGIN_ENV + "; ") + Runtime.getRuntime().availableProcessors() + " CPUs");
        System.out.println("Load average (other work on this machine skews every time): at start " + loadAtStart
                + ", at end " + load() + ".");
        System.out.println();
        System.out.println("| measure | value | target |");
        System.out.println("| --- | --- | --- |");
        for (String[] r : ROWS) {
            System.out.println("| " + r[0] + " | " + r[1] + " | " + r[2] + " |");
        }
    }

    static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " / " + f[1] + " / " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static String join(List<Long> values) {
        return values.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    static String mib(long kib) {
        return String.format(Locale.ROOT, "%.1f MiB", kib / 1024.0);
    }

    static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    static void fail(String message) {
        throw new IllegalStateException(message);
    }

    static void stopAll() {
        for (Process p : PROCESSES) {
            p.destroy();
        }
        for (Process p : PROCESSES) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
        PROCESSES.clear();
    }
}
