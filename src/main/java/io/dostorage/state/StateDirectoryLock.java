package io.dostorage.state;

import io.dostorage.config.PluginConfig;
import io.quarkus.flyway.FlywayConfigurationCustomizer;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.flywaydb.core.api.configuration.FluentConfiguration;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes this process the only one that uses the state folder, and creates that folder.
 *
 * <p>Netty unlinks a socket path before binding it, so a second plugin process started by mistake
 * would silently steal the socket of a running one, and two processes would share one database.
 * An exclusive lock on {@code <STATE_DIR>/lock} prevents both: the second process fails to start.
 * It runs as a Flyway customizer because that is the earliest hook before the database is opened
 * (a {@code StartupEvent} observer runs after the migration). The lock is held until the process
 * ends; the kernel releases it even after {@code kill -9}, so a crash leaves nothing to clean.
 */
@Singleton
class StateDirectoryLock implements FlywayConfigurationCustomizer {

    private final Path stateDir;
    private FileChannel channel;
    private FileLock lock;

    @Inject
    StateDirectoryLock(PluginConfig config) {
        this(config.stateDir());
    }

    StateDirectoryLock(Path stateDir) {
        this.stateDir = stateDir;
    }

    @Override
    public void customize(FluentConfiguration configuration) {
        acquire();
    }

    /** Null when another process, or another lock in this process, holds the file. */
    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null;
        }
    }

    synchronized void acquire() {
        if (lock != null) {
            return;
        }
        Path lockFile = stateDir.resolve("lock");
        try {
            Files.createDirectories(stateDir);
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            lock = tryLock(channel);
            if (lock == null) {
                String holder = Files.readString(lockFile, StandardCharsets.UTF_8).trim();
                channel.close();
                throw new StateException("state folder " + stateDir + " is in use by another dostorage process"
                        + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                        + "; only one plugin process may run per state folder");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
        } catch (IOException e) {
            throw new StateException("locking state folder " + stateDir + ": " + e.getMessage(), e);
        }
    }
}
