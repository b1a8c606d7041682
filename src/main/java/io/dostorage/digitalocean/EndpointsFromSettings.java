package io.dostorage.digitalocean;

import io.dostorage.config.PluginConfig;
import io.quarkus.arc.lookup.LookupUnlessProperty;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The product's endpoints: DigitalOcean's own, or whatever {@code DO_API_URL} and {@code DO_METADATA_URL} say. */
@ApplicationScoped
class EndpointsFromSettings {

    @Produces
    @Singleton
    @LookupUnlessProperty(name = "dostorage.digitalocean.emulator", stringValue = "true")
    Endpoints endpoints(PluginConfig config) {
        return of(config);
    }

    static Endpoints of(PluginConfig config) {
        return new Endpoints(config.apiUrl(), config.metadataUrl(), config.accessToken());
    }
}
