package io.dostorage.emulator;

import io.dostorage.config.PluginConfig;
import io.dostorage.config.Secret;
import io.dostorage.digitalocean.Endpoints;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Produces the endpoints the DigitalOcean client talks to: DigitalOcean's own, from the settings,
 * or, with {@code DO_EMULATOR=true} (the default in dev mode and tests), those of an emulator that
 * runs inside this process. The emulator plays one droplet, {@value #DROPLET_ID} in
 * {@value #REGION}, whose volumes appear in {@code DEVICE_DIR}; its state lives in the state
 * folder, so a restart forgets no volume and no attachment.
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
    Endpoints endpoints() {
        if (!config.digitalocean().emulator()) {
            return new Endpoints(config.apiUrl(), config.metadataUrl(), config.accessToken());
        }
        DoEmulator started = start();
        return new Endpoints(started.apiUrl(), started.metadataUrl(DROPLET_ID),
                Optional.of(config.accessToken().orElse(Secret.of(DEFAULT_TOKEN))));
    }

    /** The emulator, when this process runs one (started on first use). */
    public Optional<DoEmulator> emulator() {
        return config.digitalocean().emulator() ? Optional.of(start()) : Optional.empty();
    }

    private synchronized DoEmulator start() {
        if (emulator == null) {
            PluginConfig.DigitalOcean settings = config.digitalocean();
            Path folder = config.stateDir().resolve("emulator");
            emulator = DoEmulator.start(EmulatorSettings.defaults()
                    .withStateFile(folder.resolve("state.json"))
                    .withBackingDir(folder.resolve("volumes"))
                    .withActionDelay(settings.emulatorActionDelay())
                    .withToken(settings.emulatorToken().orElse(null))
                    .withLoopDevices(settings.emulatorLoopDevices()));
            emulator.addDroplet(DROPLET_ID, REGION, config.deviceDir().toAbsolutePath());
            LOG.infof("DigitalOcean emulator on %s (droplet %d in %s); no DigitalOcean account is used",
                    emulator.apiUrl(), DROPLET_ID, REGION);
        }
        return emulator;
    }

    @PreDestroy
    synchronized void stop() {
        if (emulator != null) {
            emulator.close();
            emulator = null;
        }
    }
}
