package io.dostorage.emulator;

import io.dostorage.config.PluginConfig;
import io.dostorage.config.Secret;
import io.dostorage.digitalocean.Endpoints;
import io.quarkus.arc.lookup.LookupIfProperty;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Plugs an emulator that runs inside this process into the DigitalOcean client, with
 * {@code DO_EMULATOR=true} (the default in dev mode and tests) only: then its endpoints are the
 * ones the client looks up, in place of those from the settings (see
 * {@code io.dostorage.digitalocean.Endpoints}); otherwise it starts nothing. This is the one place
 * where the plugin meets the emulator. The emulator plays one droplet, {@value #DROPLET_ID} in
 * {@value #REGION}, whose volumes appear in {@code DEVICE_DIR}; its state lives in the state
 * folder, so a restart forgets no volume and no attachment.
 *
 * <p>It starts with the application, and logs its URL each time, and stops with it: dev mode's live
 * reload stops the old application and starts a new one, whose emulator takes over the same state
 * file and, when it is still free, the same port as the one before, so a URL from the log keeps
 * working across reloads and restarts.
 */
@ApplicationScoped
public class InProcessEmulator {

    public static final long DROPLET_ID = 1001;
    public static final String REGION = "nyc1";
    /** The token sent to the emulator when no {@code ACCESS_TOKEN} is set. */
    static final String DEFAULT_TOKEN = "emulator";

    private static final Logger LOG = Logger.getLogger(InProcessEmulator.class);

    private final PluginConfig config;
    private DoEmulator emulator;

    InProcessEmulator(PluginConfig config) {
        this.config = config;
    }

    @Produces
    @Singleton
    @LookupIfProperty(name = "dostorage.digitalocean.emulator", stringValue = "true")
    Endpoints endpoints() {
        DoEmulator started = start();
        return new Endpoints(started.apiUrl(), started.metadataUrl(DROPLET_ID),
                Optional.of(config.accessToken().orElse(Secret.of(DEFAULT_TOKEN))));
    }

    /** The emulator, when this process runs one (started on first use). */
    public Optional<DoEmulator> emulator() {
        return config.digitalocean().emulator() ? Optional.of(start()) : Optional.empty();
    }

    void onStart(@Observes StartupEvent event) {
        if (config.digitalocean().emulator()) {
            start();
        }
    }

    private synchronized DoEmulator start() {
        if (emulator == null) {
            PluginConfig.DigitalOcean settings = config.digitalocean();
            Path folder = config.stateDir().resolve("emulator");
            EmulatorSettings emulatorSettings = EmulatorSettings.defaults()
                    .withStateFile(folder.resolve("state.json"))
                    .withBackingDir(folder.resolve("volumes"))
                    .withActionDelay(settings.emulatorActionDelay())
                    .withToken(settings.emulatorToken().orElse(null))
                    .withLoopDevices(settings.emulatorLoopDevices());
            Path portFile = folder.resolve("port");
            int lastPort = lastPort(portFile);
            try {
                emulator = DoEmulator.start(emulatorSettings.withPort(lastPort));
            } catch (UncheckedIOException e) {
                if (lastPort == 0 || !(e.getCause() instanceof BindException)) {
                    throw e;
                }
                LOG.infof("port %d of the last DigitalOcean emulator is taken now; the emulator takes another one", lastPort);
                emulator = DoEmulator.start(emulatorSettings);
            }
            emulator.addDroplet(DROPLET_ID, REGION, config.deviceDir().toAbsolutePath());
            savePort(portFile, emulator.port());
            LOG.infof("DigitalOcean emulator on %s (droplet %d in %s, state in %s); no DigitalOcean account is used",
                    emulator.apiUrl(), DROPLET_ID, REGION, folder);
        }
        return emulator;
    }

    /** The port the emulator had at the last start on this state folder, 0 when none is known. */
    private static int lastPort(Path portFile) {
        try {
            int port = Integer.parseInt(Files.readString(portFile, StandardCharsets.UTF_8).trim());
            return port > 0 && port <= 65535 ? port : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static void savePort(Path portFile, int port) {
        try {
            Files.writeString(portFile, Integer.toString(port), StandardCharsets.UTF_8);
        } catch (IOException e) {
            LOG.debugf("could not record the emulator's port in %s: %s", portFile, e.getMessage());
        }
    }

    @PreDestroy
    synchronized void stop() {
        if (emulator != null) {
            emulator.close();
            emulator = null;
        }
    }
}
