package io.dostorage.digitalocean;

import io.dostorage.volume.CloudException;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import org.eclipse.microprofile.faulttolerance.Retry;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The droplet this plugin runs on, from DigitalOcean's metadata service. A droplet's id and region
 * never change, so each is asked once and kept.
 */
@ApplicationScoped
class ThisDroplet {

    private final MetadataApi metadata;
    private final String url;
    private volatile Long id;
    private volatile String region;

    /** Endpoints are looked up: see {@link Endpoints} for why they are not injected. */
    @Inject
    ThisDroplet(Instance<Endpoints> endpoints) {
        this(endpoints.get());
    }

    ThisDroplet(Endpoints endpoints) {
        this.url = endpoints.metadata().toString();
        this.metadata = QuarkusRestClientBuilder.newBuilder().baseUri(endpoints.metadata())
                .connectTimeout(2, TimeUnit.SECONDS).readTimeout(5, TimeUnit.SECONDS)
                .build(MetadataApi.class);
    }

    @Retry(maxRetries = 3, delay = 200, retryOn = DigitalOceanUnavailableException.class)
    long id() {
        if (id == null) {
            String text = ask("id", metadata::id);
            try {
                id = Long.parseLong(text.trim());
            } catch (NumberFormatException e) {
                throw new CloudException("the metadata service at " + url + " answered droplet id " + text
                        + ", which is not a number");
            }
        }
        return id;
    }

    @Retry(maxRetries = 3, delay = 200, retryOn = DigitalOceanUnavailableException.class)
    String region() {
        if (region == null) {
            region = ask("region", metadata::region).trim();
        }
        return region;
    }

    private String ask(String what, Supplier<String> call) {
        try {
            return call.get();
        } catch (ProcessingException | WebApplicationException e) {
            throw new DigitalOceanUnavailableException("reading this droplet's " + what + " from the metadata service at "
                    + url + ": " + e.getMessage() + " (the plugin must run on a DigitalOcean droplet, or with DO_EMULATOR=true)", e);
        }
    }
}
