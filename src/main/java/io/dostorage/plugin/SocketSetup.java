package io.dostorage.plugin;

import io.dostorage.config.PluginConfig;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.DomainSocketServerStart;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Prepares the unix socket dockerd talks to. The HTTP server binds it after the start-up
 * observers, and the bind fails when the folder is missing, so the folder is made here; once bound,
 * the socket is made readable and writable by its owner (root, like dockerd) only, because whoever
 * can talk to it can mount and detach volumes.
 */
@ApplicationScoped
class SocketSetup {

    private static final Logger LOG = Logger.getLogger(SocketSetup.class);
    /** The kernel's limit for a unix socket path (sun_path), less its terminating NUL. */
    private static final int MAX_SOCKET_PATH_BYTES = 107;

    private final Path socket;

    SocketSetup(PluginConfig config) {
        this.socket = Path.of(config.socket());
    }

    void beforeBind(@Observes StartupEvent event) {
        if (socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
            throw new IllegalStateException("setting SOCKET: " + socket + " is longer than the " + MAX_SOCKET_PATH_BYTES
                    + " bytes a unix socket path may have");
        }
        try {
            Path parent = socket.toAbsolutePath().getParent();
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("creating the folder of socket " + socket, e);
        }
    }

    void afterBind(@ObservesAsync DomainSocketServerStart event) {
        try {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            LOG.infof("listening on unix socket %s", socket.toAbsolutePath());
        } catch (IOException e) {
            LOG.warnf("could not restrict the permissions of socket %s: %s", socket, e);
        }
    }
}
