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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The dostorage benchmark: two runtimes of the same build side by side in one run, against the
 * standalone DigitalOcean emulator (io.dostorage.emulator.EmulatorMain) with a fixed action
 * latency, spoken to over the plugin's unix socket as dockerd does. Prints one Markdown table and,
 * with {@code --json FILE}, writes the headline numbers of both.
 *
 * <ul>
 * <li><b>shipped</b>: what the managed plugin's image runs, made on this machine: the jlink'd Java 25
 *     runtime ({@code src/main/docker/jlink.sh}, in {@code target/java-runtime}), the aot-jar layout
 *     ({@code target/quarkus-aot}) and an AOT cache trained by {@code src/main/docker/aot-cache.sh}
 *     with config.json's entry point, as the image build does;
 * <li><b>reference</b>: the runtime shipped before, Java 17, the fast-jar ({@code target/quarkus-app}),
 *     an AppCDS archive made by one start of the plugin, and the flags shipped with it.
 * </ul>
 * Both are measured in the same minutes, their starts interleaved, so that their ratio does not
 * depend on what else the machine is doing. Before any measurement, each is started once with
 * {@code -XX:AOTMode=on} or {@code -Xshare:on}, with which the JVM refuses to start unless it uses
 * the cache or archive: a JVM otherwise ignores one it cannot map, silently.
 *
 * <p>JDK only, run by the source launcher from the repo root after the build (bench/run.sh does it
 * all): {@code java bench/Bench.java --shipped-java target/java-runtime/bin/java [options]}.
 *
 * <p>Options: {@code --action-delay MS} (default 500), {@code --starts N} (5 each), {@code --seconds S}
 * of the 1-client Get run (5), {@code --idle-seconds S} (20), {@code --flags "..."} (the shipped row's JVM
 * flags instead of config.json's, for tuning experiments; a new cache is trained for them),
 * {@code --env K=V} (a plugin setting for both rows, repeatable), {@code --shipped-env K=V} (an environment
 * variable of the shipped row only, e.g. {@code MALLOC_ARENA_MAX=2}, repeatable; its training start gets it
 * too), {@code --idle-rss-seconds S} (10: how long the plugin idles after the mixed requests before its RSS
 * is read again; 0 skips it), {@code --only startup} (no DO-call
 * rows, no Get run, no idle count: for flag experiments), {@code --json FILE}, {@code --keep} (keep the /tmp/dsbench-* folder with the logs).
 */
public class Bench {

    static final String REGION = "nyc1";
    static final long ME = 1001;
    static final long OTHER = 1002;
    static final int RESTORED = 200;
    static final List<Process> PROCESSES = new CopyOnWriteArrayList<>();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The flags shipped with the Java 17 fast-jar (config.json before Java 25), AppCDS archive last. */
    static final List<String> REFERENCE_FLAGS = List.of("-XX:+UseSerialGC", "-Xms16m", "-Xmx64m", "-Xmn8m",
            "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError", "-Dorg.sqlite.tmpdir=/tmp", "-XX:-UsePerfData");

    static Path repo;
    static Path work;
    static String emulatorJava;
    static int actionDelayMs = 500;
    static int starts = 5;
    static int seconds = 5;
    static int idleSeconds = 20;
    static String only = "";
    static boolean keep;
    static Path jsonFile;
    static String shippedJava;
    static String referenceJava;
    static List<String> flagsOverride;
    static String emulatorUrl;
    static Path emulatorDevices;
    static Process emulator;
    static String loadAtStart;
    /** Extra plugin settings (--env K=V), e.g. ACTION_POLL_INITIAL=50ms to weigh poll intervals. */
    static final Map<String, String> PLUGIN_ENV = new LinkedHashMap<>();
    /** Environment of the shipped row only (--shipped-env K=V), e.g. MALLOC_ARENA_MAX=2: the JVM's, not a plugin setting. */
    static final Map<String, String> SHIPPED_ENV = new LinkedHashMap<>();
    /** Seconds the plugin is left idle after the 1,000 mixed requests before its RSS is read again. */
    static int idleRssSeconds = 10;

    /** Rows of the table, in order: what, shipped, reference, target. */
    static final List<String[]> ROWS = new ArrayList<>();

    /** One runtime under test: its java, its packaged app and its JVM flags (with paths of this machine). */
    record Runtime(String key, String java, Path appDir, List<String> flags, String describe, Map<String, String> env) {
        Runtime(String key, String java, Path appDir, List<String> flags, String describe) {
            this(key, java, appDir, flags, describe, Map.of());
        }

        Map<String, Object> json() {
            return RESULTS.computeIfAbsent(key, k -> new LinkedHashMap<>());
        }
    }

    static final Map<String, Map<String, Object>> RESULTS = new LinkedHashMap<>();
    static Runtime shipped;
    static Runtime reference;

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--action-delay" -> actionDelayMs = Integer.parseInt(args[++i]);
                case "--starts" -> starts = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--idle-seconds" -> idleSeconds = Integer.parseInt(args[++i]);
                case "--flags" -> flagsOverride = List.of(args[++i].trim().split("\\s+"));
                case "--only" -> only = args[++i];
                case "--keep" -> keep = true;
                case "--json" -> jsonFile = Path.of(args[++i]).toAbsolutePath();
                case "--shipped-java" -> shippedJava = Path.of(args[++i]).toAbsolutePath().toString();
                case "--reference-java" -> referenceJava = Path.of(args[++i]).toAbsolutePath().toString();
                case "--env" -> {
                    String[] kv = args[++i].split("=", 2);
                    PLUGIN_ENV.put(kv[0], kv[1]);
                }
                case "--shipped-env" -> {
                    String[] kv = args[++i].split("=", 2);
                    SHIPPED_ENV.put(kv[0], kv[1]);
                }
                case "--idle-rss-seconds" -> idleRssSeconds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        loadAtStart = load();
        repo = Path.of("").toAbsolutePath();
        emulatorJava = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        if (referenceJava == null) {
            referenceJava = emulatorJava;
        }
        if (shippedJava == null) {
            fail("--shipped-java: the jlink'd Java 25 runtime's java (bench/run.sh makes target/java-runtime)");
        }
        for (String dir : List.of("target/quarkus-app", "target/quarkus-aot")) {
            if (!Files.isRegularFile(repo.resolve(dir).resolve("quarkus-run.jar"))) {
                fail("no " + dir + "/quarkus-run.jar: run ./mvnw -B -ntp package -DskipTests first (bench/run.sh does)");
            }
        }
        // Short: a unix socket path must stay under 108 bytes.
        work = Files.createTempDirectory(Path.of("/tmp"), "dsbench-");
        java.lang.Runtime.getRuntime().addShutdownHook(new Thread(Bench::stopAll));
        try {
            shipped = shippedRuntime();
            reference = referenceRuntime();
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

    /**
     * config.json's entry point with this machine's paths: /opt/java is the jlink'd runtime,
     * /opt/dostorage the aot-jar layout. Its AOT cache is made by the image's own script.
     */
    static Runtime shippedRuntime() throws Exception {
        Path appDir = repo.resolve("target/quarkus-aot");
        List<String> entrypoint = entrypoint();
        List<String> flags = flagsOverride != null ? flagsOverride : entrypoint.subList(1, entrypoint.indexOf("-jar"));
        List<String> local = flags.stream().map(f -> f.replace("/opt/dostorage/", appDir + "/")).toList();
        if (local.stream().noneMatch(f -> f.startsWith("-XX:AOTCache="))) {
            fail("the shipped flags name no AOT cache (-XX:AOTCache=...): " + flags);
        }
        List<String> command = new ArrayList<>(List.of("sh", repo.resolve("src/main/docker/aot-cache.sh").toString(), shippedJava));
        command.addAll(local);
        command.addAll(List.of("-jar", appDir.resolve("quarkus-run.jar").toString()));
        long t0 = System.nanoTime();
        String output = exec(command, SHIPPED_ENV);
        System.err.print(output);
        Path cache = Path.of(local.stream().filter(f -> f.startsWith("-XX:AOTCache=")).findFirst().orElseThrow()
                .substring("-XX:AOTCache=".length()));
        String describe = "jlink'd " + javaVersion(shippedJava) + " (" + du(Path.of(shippedJava).getParent().getParent())
                + " MiB), aot-jar, AOT cache " + Files.size(cache) / (1024 * 1024) + " MiB (trained and checked with -XX:AOTMode=on by "
                + "src/main/docker/aot-cache.sh in " + ms(System.nanoTime() - t0) + " ms); flags ("
                + (flagsOverride != null ? "--flags" : "config.json") + "): `" + String.join(" ", flags) + "`"
                + (SHIPPED_ENV.isEmpty() ? "" : "; environment (--shipped-env): `" + SHIPPED_ENV.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")) + "`");
        return new Runtime("shipped", shippedJava, appDir, local, describe, Map.copyOf(SHIPPED_ENV));
    }

    /**
     * The image's state template (bench/run.sh makes it where config.json's entry point names it), for
     * the reference row too: both rows' fresh starts then copy it rather than run Flyway, so that the
     * rows differ in their runtime only.
     */
    static String stateTemplate() {
        return "-Ddostorage.state-template=" + repo.resolve("target/quarkus-aot/state-template.db");
    }

    /**
     * The runtime shipped before: Java 17, the fast-jar, and a dynamic AppCDS archive (JEP 350) made
     * as the image made it then: one start to the socket, 2 s more, stopped, written at exit.
     */
    static Runtime referenceRuntime() throws Exception {
        Path appDir = repo.resolve("target/quarkus-app");
        Path archive = appDir.resolve("app-cds.jsa");
        Files.deleteIfExists(archive);
        long t0 = System.nanoTime();
        Path folder = work.resolve("reference-training");
        Runtime training = new Runtime("reference-training", referenceJava, appDir,
                concat(REFERENCE_FLAGS, List.of(stateTemplate(), "-XX:ArchiveClassesAtExit=" + archive)), "");
        startEmulator(work.resolve("emulator-training"));
        Plugin p = Plugin.launch(training, folder, Map.of());
        p.awaitReady(Duration.ofSeconds(120));
        Thread.sleep(2000);
        p.stop();
        stopEmulator();
        if (!Files.isRegularFile(archive)) {
            fail("the reference's training start wrote no AppCDS archive: " + Files.readString(p.log));
        }
        List<String> flags = concat(REFERENCE_FLAGS, List.of(stateTemplate(), "-XX:SharedArchiveFile=" + archive));
        String describe = javaVersion(referenceJava) + ", fast-jar, AppCDS archive " + Files.size(archive) / (1024 * 1024)
                + " MiB (made in " + ms(System.nanoTime() - t0) + " ms, checked with -Xshare:on); flags: `"
                + String.join(" ", flags).replace(appDir + "/", "") + "`";
        return new Runtime("reference", referenceJava, appDir, flags, describe);
    }

    /** -Xshare:on refuses to start unless the archive maps (the shipped row's script checks its own cache). */
    static void checkReferenceArchive() throws Exception {
        Runtime strict = new Runtime("reference-check", reference.java, reference.appDir,
                concat(reference.flags, List.of("-Xshare:on")), "");
        Plugin p = Plugin.launch(strict, work.resolve("reference-check"), Map.of());
        p.awaitReady(Duration.ofSeconds(60));
        p.stop();
    }

    static void run() throws Exception {
        System.err.printf("dostorage benchmark: emulator action latency %d ms; work folder %s%n  shipped: %s%n  reference: %s%n",
                actionDelayMs, work, shipped.describe, reference.describe);
        startEmulator(work.resolve("emulator-starts"));
        checkReferenceArchive();

        // 1. Start -> socket answers, fresh state folder each time; the two rows take turns.
        Map<Runtime, List<Long>> startMs = new LinkedHashMap<>();
        Map<Runtime, List<Long>> startRss = new LinkedHashMap<>();
        Map<Runtime, List<Long>> startAnon = new LinkedHashMap<>();
        Map<Runtime, List<Long>> startFile = new LinkedHashMap<>();
        for (int i = 0; i < starts; i++) {
            List<Runtime> order = i % 2 == 0 ? List.of(shipped, reference) : List.of(reference, shipped);
            for (Runtime r : order) {
                Plugin p = Plugin.launch(r, work.resolve(r.key + "-start-" + i), Map.of());
                long ms = p.awaitReady(Duration.ofSeconds(60));
                p.checkSqliteLibrary(r);
                startMs.computeIfAbsent(r, k -> new ArrayList<>()).add(ms);
                startRss.computeIfAbsent(r, k -> new ArrayList<>()).add(p.rssKib());
                startAnon.computeIfAbsent(r, k -> new ArrayList<>()).add(p.kib("RssAnon"));
                startFile.computeIfAbsent(r, k -> new ArrayList<>()).add(p.kib("RssFile"));
                p.stop();
                System.err.printf("  start %d, %s: socket answered after %d ms%n", i + 1, r.key, ms);
            }
        }
        stopEmulator();
        long s = median(startMs.get(shipped));
        long ref = median(startMs.get(reference));
        row("Start → socket answers (Capabilities 200), median of " + starts + " fresh starts, interleaved",
                s + " ms (" + join(startMs.get(shipped)) + ")", ref + " ms (" + join(startMs.get(reference)) + ")",
                "shipped ≤ 0.55 × reference: " + String.format(Locale.ROOT, "%.2f", s / (double) ref));
        shipped.json().put("start_ms_median", s);
        reference.json().put("start_ms_median", ref);
        row("RSS just after start (median; of it RssAnon and RssFile, medians)",
                mib(median(startRss.get(shipped))) + " (anon " + mib(median(startAnon.get(shipped))) + ", file " + mib(median(startFile.get(shipped))) + ")",
                mib(median(startRss.get(reference))) + " (anon " + mib(median(startAnon.get(reference))) + ", file " + mib(median(startFile.get(reference))) + ")", "");
        shipped.json().put("rss_after_start_mib", mibNumber(median(startRss.get(shipped))));
        reference.json().put("rss_after_start_mib", mibNumber(median(startRss.get(reference))));

        // 2. Each row on its own emulator (DO's limit of 7 volumes per droplet counts per emulator).
        Map<Runtime, Map<String, String>> cells = new LinkedHashMap<>();
        for (Runtime r : List.of(shipped, reference)) {
            cells.put(r, measure(r));
        }
        for (String what : cells.get(shipped).keySet()) {
            String[] split = what.split("\t", 2);
            row(split[0], cells.get(shipped).get(what), cells.get(reference).getOrDefault(what, "–"), split.length > 1 ? split[1] : "");
        }
        print();
        writeJson();
    }

    /** The measurements after start-up, for one row; the DO-call rows only for the shipped one (the code is the same). */
    static Map<String, String> measure(Runtime r) throws Exception {
        boolean full = r == shipped && !only.equals("startup");
        Map<String, String> out = new LinkedHashMap<>();
        startEmulator(work.resolve(r.key + "-emulator"));
        Path mainFolder = work.resolve(r.key + "-main");
        Plugin p = Plugin.launch(r, mainFolder, Map.of());
        p.awaitReady(Duration.ofSeconds(60));
        try (Conn c = p.connect()) {
            resetCalls();
            c.ok("VolumeDriver.Create", "{\"Name\":\"bench-a\",\"Opts\":{\"size\":\"1\"}}");
            if (full) {
                out.put("DO calls: Create (new volume)", calls());
            }
            resetCalls();
            long first = timedMount(c, "bench-a", "c1");
            if (full) {
                out.put("DO calls: Mount, fresh (detached, known here)", calls());
            }
            List<Long> mountMs = new ArrayList<>(List.of(first));
            for (int i = 1; i < 5; i++) {
                String name = "bench-m" + i;
                c.ok("VolumeDriver.Create", "{\"Name\":\"" + name + "\",\"Opts\":{\"size\":\"1\"}}");
                mountMs.add(timedMount(c, name, "c1"));
            }
            long mountMedian = median(mountMs);
            out.put("Mount of a detached volume: total, median of 5 (each)", mountMedian + " ms (" + join(mountMs) + ")");
            out.put("Mount of a detached volume: total − action latency (" + actionDelayMs + " ms)\t≤ 30 ms",
                    (mountMedian - actionDelayMs) + " ms");
            r.json().put("mount_overhead_ms", mountMedian - actionDelayMs);

            if (full) {
                doCalls(c, out);
            }

            // RSS: warm-up, then 1,000 mixed requests.
            mixed(p, c, 500);
            resetCalls();
            long mixedMs = mixed(p, c, 1000);
            long rss = p.rssKib();
            long anon = p.kib("RssAnon");
            long file = p.kib("RssFile");
            out.put("RSS after warm-up + 1,000 mixed requests (VmRSS; of it RssAnon, RssFile)\t≤ 100 MiB",
                    mib(rss) + " (anon " + mib(anon) + ", file " + mib(file) + "; " + p.status("Threads") + " threads)");
            r.json().put("rss_after_load_mib", mibNumber(rss));
            r.json().put("rss_after_load_anon_mib", mibNumber(anon));
            r.json().put("rss_after_load_file_mib", mibNumber(file));
            out.put("1,000 mixed requests (Get/Path/List/Capabilities/Mount/Unmount of a 2nd caller), one client",
                    mixedMs + " ms, DO calls " + calls());
            if (idleRssSeconds > 0) {
                Thread.sleep(idleRssSeconds * 1000L);
                long idle = p.rssKib();
                out.put("RSS " + idleRssSeconds + " s later, idle (VmRSS; of it RssAnon, RssFile)",
                        mib(idle) + " (anon " + mib(p.kib("RssAnon")) + ", file " + mib(p.kib("RssFile")) + ")");
                r.json().put("rss_idle_mib", mibNumber(idle));
            }
        }
        if (!only.equals("startup")) {
            double p99 = getOneClient(p, out);
            r.json().put("get_p99_ms_1client", p99);
        }

        // dockerd's start: it calls Get for every volume it knows, one after another.
        try (Conn c = p.connect()) {
            for (int i = 0; i < RESTORED; i++) {
                c.ok("VolumeDriver.Create", "{\"Name\":\"" + restoredName(i) + "\",\"Opts\":{\"size\":\"1\"}}");
            }
        }
        p.stop();
        Plugin restarted = Plugin.launch(r, mainFolder, Map.of());
        long restartMs = restarted.awaitReady(Duration.ofSeconds(60));
        resetCalls();
        out.put("Restart on that state folder (" + RESTORED + " more volumes known) → socket answers", restartMs + " ms");
        long restoreMs;
        String restoreCalls;
        // The requests are made before the clock starts: what is timed is the plugin's answers.
        byte[][] gets = new byte[RESTORED][];
        for (int i = 0; i < RESTORED; i++) {
            gets[i] = Conn.request("VolumeDriver.Get", "{\"Name\":\"" + restoredName(i) + "\"}");
        }
        try (Conn c = restarted.connect()) {
            long[] each = new long[RESTORED];
            restoreMs = ms(timed(c, gets, each));
            restoreCalls = calls();
            out.put("dockerd's start: " + RESTORED + " Gets of known volumes in a row, right after the restart (DO calls)\t≤ 200 ms",
                    restoreMs + " ms (DO calls " + restoreCalls + ")");
            out.put("… of them: the first, then median, p90 and slowest of the rest", spread(each));
            out.put("… the same " + RESTORED + " Gets once more (a warmer JVM)", ms(timed(c, gets, each)) + " ms: "
                    + spread(each));
        }
        r.json().put("restore_200_gets_ms", restoreMs);
        out.put("RSS after the restart and the " + RESTORED + " Gets (VmRSS)", mib(restarted.rssKib()));
        restarted.stop();

        if (full) {
            idle(mainFolder, out);
        }
        stopEmulator();
        return out;
    }

    static String restoredName(int i) {
        return String.format(Locale.ROOT, "bench-r%03d", i);
    }

    static void doCalls(Conn c, Map<String, String> out) throws Exception {
        // Mount of a volume attached here already (made and attached in DO by someone else, e.g. before a reinstall).
        emulatorVolume("bench-here", ME);
        resetCalls();
        c.ok("VolumeDriver.Mount", "{\"Name\":\"bench-here\",\"ID\":\"c1\"}");
        out.put("DO calls: Mount, already attached here (unknown locally, attached to " + ME + " in DO)", calls());

        // Mount of a volume another droplet holds: per-volume takeover=force.
        c.ok("VolumeDriver.Create", "{\"Name\":\"bench-held\",\"Opts\":{\"size\":\"1\",\"takeover\":\"force\"}}");
        attach(volumeId("bench-held"), OTHER);
        resetCalls();
        long t0 = System.nanoTime();
        c.ok("VolumeDriver.Mount", "{\"Name\":\"bench-held\",\"ID\":\"c1\"}");
        long heldMs = ms(System.nanoTime() - t0);
        out.put("DO calls: Mount, held by droplet " + OTHER + " (-o takeover=force: detach there, attach here; "
                + heldMs + " ms = 2 actions)", calls());

        resetCalls();
        c.ok("VolumeDriver.Mount", "{\"Name\":\"bench-a\",\"ID\":\"c2\"}");
        c.ok("VolumeDriver.Unmount", "{\"Name\":\"bench-a\",\"ID\":\"c2\"}");
        out.put("DO calls: Mount + Unmount of a 2nd caller on a mounted volume", calls());

        resetCalls();
        for (int i = 0; i < 100; i++) {
            c.ok("VolumeDriver.Get", "{\"Name\":\"bench-a\"}");
        }
        out.put("DO calls: Get of a known volume (per 100 Gets)\t0", calls());
        resetCalls();
        for (int i = 0; i < 100; i++) {
            c.ok("VolumeDriver.Path", "{\"Name\":\"bench-a\"}");
        }
        out.put("DO calls: Path (per 100 Paths)\t0", calls());
        // A volume only DO knows: Get answers "not found", naming DO's volume from the short-lived copy of
        // DO's list (LIST_CACHE_TTL), which List shares; the first of them after a change fetches it.
        emulatorVolume("bench-remote", 0);
        resetCalls();
        for (int i = 0; i < 100; i++) {
            Reply r = c.post("VolumeDriver.Get", "{\"Name\":\"bench-remote\"}");
            if (!r.body().contains("not in use on this droplet")) {
                fail("Get of a volume only DO knows answered " + r.status() + ": " + r.body());
            }
        }
        out.put("DO calls: Get of a volume only DO knows (not found here, naming DO's; per 100 Gets; the first fills the list cache)", calls());
        resetCalls();
        for (int i = 0; i < 100; i++) {
            c.ok("VolumeDriver.List", "{}");
        }
        out.put("DO calls: List (per 100 Lists, list cache warm, within LIST_CACHE_TTL)", calls());

        // Unmount of the last reference: the release (detach) follows after UNMOUNT_GRACE.
        resetCalls();
        t0 = System.nanoTime();
        c.ok("VolumeDriver.Unmount", "{\"Name\":\"bench-m4\",\"ID\":\"c1\"}");
        String unmountCalls = calls();
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
        out.put("DO calls: Unmount of the last reference (the call itself)", unmountCalls);
        out.put("DO calls: … plus its release after UNMOUNT_GRACE (detached " + releasedMs + " ms after Unmount)", calls());
    }

    /** A restart on the same state (volumes referenced and mounted), sweeping every second. */
    static void idle(Path mainFolder, Map<String, String> out) throws Exception {
        Plugin idle = Plugin.launch(shipped, mainFolder, Map.of("SWEEP_INTERVAL", "1s"));
        idle.awaitReady(Duration.ofSeconds(60));
        Thread.sleep(3000);
        resetCalls();
        Thread.sleep(idleSeconds * 1000L);
        Map<String, Integer> idleCalls = callMap();
        int idleTotal = idleCalls.values().stream().mapToInt(Integer::intValue).sum();
        out.put("DO calls while idle: " + idleSeconds + " s at SWEEP_INTERVAL=1s (" + idleSeconds + " sweeps)", format(idleCalls));
        out.put("DO calls per idle hour at the default SWEEP_INTERVAL=60s (scaled: per sweep × 60)\t0",
                String.format(Locale.ROOT, "%.1f", idleTotal / (double) idleSeconds * 60));
        idle.stop();
    }

    // ---------------------------------------------------------------- measurements

    static long timedMount(Conn c, String name, String id) {
        long t0 = System.nanoTime();
        c.ok("VolumeDriver.Mount", "{\"Name\":\"" + name + "\",\"ID\":\"" + id + "\"}");
        long total = ms(System.nanoTime() - t0);
        System.err.printf("  mount %s: %d ms%n", name, total);
        return total;
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

    /** Get of a mounted volume from one kept-alive connection (as dockerd keeps one): 1 s warm-up, `seconds` measured; the p99 in ms. */
    static double getOneClient(Plugin p, Map<String, String> out) throws Exception {
        try (Conn c = p.connect()) {
            String name = p.mountedNames(c).get(0);
            byte[] request = Conn.request("VolumeDriver.Get", "{\"Name\":\"" + name + "\"}");
            long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < warmEnd) {
                c.exchange(request);
            }
            long[] lat = new long[1 << 16];
            int n = 0;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                long s = System.nanoTime();
                if (s >= end) {
                    break;
                }
                Reply r = c.exchange(request);
                long e = System.nanoTime();
                if (r.status != 200) {
                    fail("Get answered " + r.status + ": " + r.body);
                }
                if (n == lat.length) {
                    lat = Arrays.copyOf(lat, n * 2);
                }
                lat[n++] = e - s;
            }
            long[] all = Arrays.copyOf(lat, n);
            Arrays.sort(all);
            double p99 = Math.round(pct(all, 0.99) / 1e4) / 100.0;
            String value = String.format(Locale.ROOT, "%,.0f req/s, p50 %.2f ms, p99 %.2f ms", n / (double) seconds,
                    pct(all, 0.50) / 1e6, p99);
            out.put("Get of a mounted volume, 1 kept-alive client, " + seconds + " s", value);
            System.err.println("  Get, 1 client: " + value);
            return p99;
        }
    }

    // ---------------------------------------------------------------- emulator

    /** A fresh emulator with its state under `dir`; the helpers below talk to it until the next one. */
    static void startEmulator(Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        emulatorDevices = dir.resolve("dev-" + ME);
        Files.createDirectories(emulatorDevices);
        Files.createDirectories(dir.resolve("dev-" + OTHER));
        Path appDir = repo.resolve("target/quarkus-app");
        List<String> command = List.of(emulatorJava, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", appDir.resolve("app") + "/*:" + appDir.resolve("lib/main") + "/*",
                "io.dostorage.emulator.EmulatorMain", "--port", Integer.toString(port),
                "--state", dir.resolve("do-state.json").toString(),
                "--action-delay", actionDelayMs + "ms",
                "--droplet", ME + ":" + REGION + ":" + emulatorDevices,
                "--droplet", OTHER + ":" + REGION + ":" + dir.resolve("dev-" + OTHER));
        Path log = dir.resolve("emulator.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PROCESSES.add(process);
        emulator = process;
        emulatorUrl = "http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.readString(log).contains("DigitalOcean emulator on")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                fail("the emulator did not start:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }

    static void stopEmulator() throws InterruptedException {
        emulator.destroy();
        emulator.waitFor(10, TimeUnit.SECONDS);
        PROCESSES.remove(emulator);
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

    /** config.json's entry point: [java, flags..., -jar, jar]. */
    static List<String> entrypoint() throws IOException {
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
        if (parts.isEmpty() || !parts.get(0).endsWith("/java") || jar < 0) {
            fail("config.json's entrypoint is not [\"<runtime>/bin/java\", <flags>, \"-jar\", <jar>]: " + parts);
        }
        return parts;
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

        static Plugin launch(Runtime r, Path folder, Map<String, String> extraEnv) throws IOException {
            Files.createDirectories(folder);
            List<String> command = new ArrayList<>();
            command.add(r.java);
            command.addAll(r.flags);
            command.add("-jar");
            command.add(r.appDir.resolve("quarkus-run.jar").toString());
            Path socket = folder.resolve("p.sock");
            Path log = Files.createTempFile(folder, "plugin-", ".log");
            ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .directory(r.appDir.toFile());
            Map<String, String> env = b.environment();
            env.put("ACCESS_TOKEN", "bench-token");
            env.put("DO_API_URL", emulatorUrl);
            env.put("DO_METADATA_URL", emulatorUrl + "/droplets/" + ME);
            env.put("SOCKET", socket.toString());
            env.put("MOUNT_ROOT", folder.resolve("mnt").toString());
            env.put("DEVICE_DIR", emulatorDevices.toString());
            env.put("MOUNTER", "folder");
            env.putAll(PLUGIN_ENV);
            env.putAll(r.env());
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
            return kib("VmRSS");
        }

        /**
         * Fails unless the process mapped sqlite-jdbc's library from the folder its flags name with
         * -Dorg.sqlite.lib.path (the driver would otherwise extract its jar's copy to a temporary file
         * without a word, and the row would measure that).
         */
        void checkSqliteLibrary(Runtime runtime) throws IOException {
            String folder = runtime.flags.stream().filter(f -> f.startsWith("-Dorg.sqlite.lib.path="))
                    .map(f -> f.substring("-Dorg.sqlite.lib.path=".length())).findFirst().orElse(null);
            if (folder == null) {
                return;
            }
            String maps = Files.readString(Path.of("/proc/" + process.pid() + "/maps"));
            if (!maps.contains(folder + "/libsqlitejdbc.so")) {
                fail(runtime.key + ": the plugin did not load sqlite-jdbc's library from " + folder
                        + " (-Dorg.sqlite.lib.path); its mapped sqlite libraries: " + maps.lines()
                        .filter(l -> l.contains("sqlite")).map(l -> l.substring(l.lastIndexOf(' ') + 1)).distinct().toList());
            }
        }

        /** A kB field of /proc/PID/status: VmRSS = RssAnon + RssFile + RssShmem. */
        long kib(String field) throws IOException {
            return Long.parseLong(status(field).replaceAll("[^0-9]", ""));
        }

        /** A field of /proc/PID/status. */
        String status(String field) throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return line.substring(field.length() + 1).trim();
                }
            }
            return "-1";
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
        /** A reply's Err that is not empty. */
        static final Pattern SOME_ERR = Pattern.compile("\"Err\"\\s*:\\s*\"[^\"]+\"");
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
            return ok(request(endpoint, body), endpoint + " " + body);
        }

        /** Exchanges {@code request} (described as {@code what} in a failure) and fails unless 200 with an empty Err. */
        Reply ok(byte[] request, String what) {
            Reply r = exchange(request);
            if (r.status != 200 || SOME_ERR.matcher(r.body).find()) {
                fail(what + " answered " + r.status + ": " + r.body);
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

    static void row(String what, String shippedValue, String referenceValue, String target) {
        ROWS.add(new String[] {what, shippedValue, referenceValue, target});
    }

    static void print() {
        System.out.println();
        System.out.println("Emulator action latency " + actionDelayMs + " ms; MOUNTER=folder; "
                + (PLUGIN_ENV.isEmpty() ? "" : "settings " + PLUGIN_ENV + "; ") + java.lang.Runtime.getRuntime().availableProcessors() + " CPUs.");
        System.out.println("Shipped: " + shipped.describe + ".");
        System.out.println("Reference: " + reference.describe + ".");
        System.out.println("Load average (other work on this machine skews every time): at start " + loadAtStart
                + ", at end " + load() + ".");
        System.out.println();
        System.out.println("| measure | shipped | reference | target |");
        System.out.println("| --- | --- | --- | --- |");
        for (String[] r : ROWS) {
            System.out.println("| " + String.join(" | ", r) + " |");
        }
    }

    /**
     * --json FILE: {"shipped": {...}, "reference": {...}} with the same six keys each, and
     * "rootfs_mib" where the plugin's image was built here: the size the end-to-end stage measured
     * of the installed plugin's root filesystem (target/e2e/rootfs-mib), as this benchmark builds no image.
     */
    static void writeJson() throws IOException {
        if (jsonFile == null) {
            return;
        }
        StringBuilder sb = new StringBuilder("{\n");
        List<String> members = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> e : RESULTS.entrySet()) {
            members.add("  \"" + e.getKey() + "\": {" + e.getValue().entrySet().stream()
                    .map(v -> "\"" + v.getKey() + "\": " + v.getValue()).collect(Collectors.joining(", ")) + "}");
        }
        Path rootfs = repo.resolve("target/e2e/rootfs-mib");
        if (Files.isRegularFile(rootfs)) {
            members.add("  \"rootfs_mib\": " + Integer.parseInt(Files.readString(rootfs).trim()));
        }
        sb.append(String.join(",\n", members)).append("\n}\n");
        Files.writeString(jsonFile, sb.toString());
        System.err.println("wrote " + jsonFile);
    }

    static String exec(List<String> command) throws Exception {
        return exec(command, Map.of());
    }

    static String exec(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
        b.environment().putAll(env);
        Process process = b.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            fail(String.join(" ", command) + " failed with exit " + process.exitValue() + ":\n" + output);
        }
        return output;
    }

    static String javaVersion(String java) throws Exception {
        String out = exec(List.of(java, "-XshowSettings:properties", "-version"));
        Matcher m = Pattern.compile("java\\.runtime\\.version = (\\S+)").matcher(out);
        Matcher v = Pattern.compile("java\\.vendor\\.version = (\\S+)").matcher(out);
        return (v.find() ? v.group(1) + " " : "Java ") + (m.find() ? m.group(1) : "?");
    }

    static long du(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum() / (1024 * 1024);
        }
    }

    static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
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

    /** Sends {@code requests} one after another, each answered OK; each one's time in {@code each}, the total returned (ns). */
    static long timed(Conn c, byte[][] requests, long[] each) {
        long t0 = System.nanoTime();
        for (int i = 0; i < requests.length; i++) {
            long s = System.nanoTime();
            c.ok(requests[i], "a Get of the restored volumes");
            each[i] = System.nanoTime() - s;
        }
        return System.nanoTime() - t0;
    }

    /** The first of {@code nanos}, then the median, p90 and maximum of the others, in ms. */
    static String spread(long[] nanos) {
        long[] rest = Arrays.copyOfRange(nanos, 1, nanos.length);
        Arrays.sort(rest);
        return String.format(Locale.ROOT, "first %.2f ms, median %.2f, p90 %.2f, slowest %.2f", nanos[0] / 1e6,
                pct(rest, 0.50) / 1e6, pct(rest, 0.90) / 1e6, rest[rest.length - 1] / 1e6);
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

    static double mibNumber(long kib) {
        return Math.round(kib / 102.4) / 10.0;
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
