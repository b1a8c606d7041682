package io.dostorage.digitalocean;

import io.dostorage.config.Secret;

import java.net.URI;
import java.util.Optional;

/**
 * Where the DigitalOcean API and the droplet metadata service are, and the token for the API: from
 * the settings ({@link EndpointsFromSettings}), unless {@code DO_EMULATOR=true} (dev mode, tests)
 * plugs in an emulator, whose own producer in {@code io.dostorage.emulator} then takes over. Which
 * of the two applies is a runtime setting, so both beans exist and each is selectable only under
 * its value of the setting ({@code @LookupIfProperty}, {@code @LookupUnlessProperty}); such beans
 * can only be looked up, which is why the clients take an {@code Instance<Endpoints>}.
 */
public record Endpoints(URI api, URI metadata, Optional<Secret> token) {

    @Override
    public String toString() {
        return "Endpoints[api=" + api + ", metadata=" + metadata + ", token=" + (token.isPresent() ? "****" : "none") + "]";
    }
}
