package io.dostorage.digitalocean;

import io.smallrye.faulttolerance.api.BeforeRetryHandler;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.ExecutionContext;

/**
 * Before a retry, waits as long as DigitalOcean asked in its 429 answer; the back-off delay comes
 * on top. {@link DoCalls} has already refused to retry when the wait would be too long.
 */
@ApplicationScoped
class RateLimitWait implements BeforeRetryHandler {

    @Override
    public void handle(ExecutionContext context) {
        if (context.getFailure() instanceof DigitalOceanUnavailableException unavailable) {
            unavailable.retryAfter().ifPresent(wait -> {
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }
}
