import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Rewrites every jar under a folder so that its entries other than classes (manifests, service files,
 * properties, native libraries) are stored rather than deflated; classes stay deflated. Jars already so
 * are left untouched, so it can run again on its own output.
 *
 * <p>usage: {@code java StoreResources.java FOLDER} (a JDK's source launcher; JDK classes only)
 *
 * <p>Why: a jar on the class path stays open for the life of the process, and once one deflated entry
 * of it has been read, {@code java.util.zip.ZipFile} keeps that entry's {@code Inflater} for reuse,
 * with zlib's state and window in native memory, until the jar is closed: one per jar. With the AOT
 * cache the plugin reads no class from its jars, but it reads their manifests and service files at
 * every start: 151 of its 155 jars kept an Inflater, about 2 MiB of resident memory in all
 * (docs/benchmark.md). A stored entry is read without one. Classes stay deflated: with the cache only a
 * class the cache lacks is read, and storing them would make the image larger for nothing. An entry's
 * bytes, name, time and order are kept, so a signed jar's digests still match.
 *
 * <p>Dockerfile.jvm runs this in its JDK stage on the aot-jar before the AOT cache is trained (the cache
 * records each jar's size and time); bench/run.sh on target/quarkus-aot for the shipped row.
 */
public class StoreResources {

    public static void main(String[] args) throws IOException {
        if (args.length != 1 || !Files.isDirectory(Path.of(args[0]))) {
            System.err.println("usage: java StoreResources.java FOLDER (a folder of jars, searched to any depth)");
            System.exit(2);
        }
        List<Path> jars;
        try (Stream<Path> files = Files.walk(Path.of(args[0]))) {
            jars = files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p)).sorted().toList();
        }
        int rewritten = 0;
        long before = 0;
        long after = 0;
        for (Path jar : jars) {
            long size = Files.size(jar);
            if (rewrite(jar)) {
                rewritten++;
                before += size;
                after += Files.size(jar);
            }
        }
        System.out.printf("StoreResources: %d of %d jars under %s rewritten with their resources stored (%d -> %d bytes)%n",
                rewritten, jars.size(), args[0], before, after);
    }

    /** Whether an entry is one to store: a file that is not a class. */
    static boolean toStore(ZipEntry entry) {
        return !entry.isDirectory() && !entry.getName().endsWith(".class");
    }

    /** Rewrites {@code jar} unless every entry to store is stored already; whether it did. */
    static boolean rewrite(Path jar) throws IOException {
        Path copy = jar.resolveSibling(jar.getFileName() + ".tmp");
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            List<? extends ZipEntry> entries = Collections.list(zip.entries());
            if (entries.stream().noneMatch(e -> toStore(e) && e.getMethod() != ZipEntry.STORED)) {
                return false;
            }
            try (OutputStream file = Files.newOutputStream(copy); ZipOutputStream out = new ZipOutputStream(file)) {
                for (ZipEntry entry : entries) {
                    byte[] bytes;
                    try (var in = zip.getInputStream(entry)) {
                        bytes = in.readAllBytes();
                    }
                    ZipEntry written = new ZipEntry(entry.getName());
                    written.setTime(entry.getTime());
                    if (entry.getComment() != null) {
                        written.setComment(entry.getComment());
                    }
                    if (toStore(entry)) {
                        CRC32 crc = new CRC32();
                        crc.update(bytes);
                        written.setMethod(ZipEntry.STORED);
                        written.setSize(bytes.length);
                        written.setCompressedSize(bytes.length);
                        written.setCrc(crc.getValue());
                    } else {
                        written.setMethod(ZipEntry.DEFLATED);
                    }
                    out.putNextEntry(written);
                    out.write(bytes);
                    out.closeEntry();
                }
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(copy);
            throw new IOException("rewriting " + jar + ": " + e, e);
        }
        Files.move(copy, jar, StandardCopyOption.REPLACE_EXISTING);
        return true;
    }
}
