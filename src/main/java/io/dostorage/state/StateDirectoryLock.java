package io.dostorage.state;

import io.dostorage.config.PluginConfig;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

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
 * {@link StateDatabase} takes it before it opens or migrates the database.
 *
 * <p>The lock guards against another <em>process</em> only. It is released when the application
 * shuts down, because dev mode's live reload shuts the old application down and starts a new one
 * in the same JVM, on the same folder. After {@code kill -9} the kernel releases it, so a crash
 * leaves nothing to clean.
 *
 * <p>On Linux the JDK takes POSIX record locks (fcntl), which belong to the process, not to a
 * descriptor, and which the kernel drops as soon as the process closes <em>any</em> descriptor of
 * the file. So while this JVM holds the lock, no descriptor of the file may be closed except the one
 * that holds it; in particular, a second lock attempt from this JVM must not read the file and close
 * it, as that would silently unlock the folder for other processes.
 */
@Singleton
class StateDirectoryLock {

    private static final Logger LOG = Logger.getLogger(StateDirectoryLock.class);

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

    synchronized void acquire() {
        if (channel != null) {
            return;
        }
        Path lockFile = stateDir.resolve("lock");
        try {
            Files.createDirectories(stateDir);
            FileChannel opened = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock taken;
            try {
                taken = opened.tryLock();
            } catch (OverlappingFileLockException e) {
                // The JDK tracks its locks per JVM: an earlier application in this JVM still holds one (dev
                // mode or tests, where an application that did not shut down is still referenced). This JVM
                // is one process, so that is no second process; the kernel lock stays with the process as
                // long as no descriptor of the file is closed, hence this one is kept open, not closed.
                LOG.warnf("state folder %s is still locked by an earlier start of dostorage in this process (pid %d) "
                        + "that was not shut down; starting anyway, as the lock only keeps other processes out. Restart "
                        + "the process to be sure that the folder is locked against other processes again", stateDir,
                        ProcessHandle.current().pid());
                channel = opened;
                return;
            }
            if (taken == null) {
                // Another process holds the lock; this process holds none on the file, so closing is harmless.
                String holder = Files.readString(lockFile, StandardCharsets.UTF_8).trim();
                opened.close();
                throw new StateException("state folder " + stateDir + " is in use by another dostorage process"
                        + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                        + "; only one plugin process may run per state folder");
            }
            channel = opened;
            lock = taken;
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
        } catch (IOException e) {
            throw new StateException("locking state folder " + stateDir + ": " + e.getMessage(), e);
        }
    }

    /** At shutdown, including the shutdown of the old application in a dev-mode live reload. */
    @PreDestroy
    synchronized void release() {
        if (channel == null) {
            return;
        }
        try {
            if (lock != null) {
                lock.release();
            }
            channel.close();
        } catch (IOException e) {
            LOG.warnf("releasing the lock of state folder %s: %s", stateDir, e.getMessage());
        } finally {
            channel = null;
            lock = null;
        }
    }
}
