package io.dostorage.config;

import java.util.Objects;

/**
 * A secret setting, such as the DigitalOcean access token. {@link #toString()} never shows the
 * value, so a secret that ends up in a log line, an exception message or a response by mistake
 * shows as {@code ****}; only {@link #reveal()} gives the value, for the one place that sends it.
 */
public final class Secret {

    private final String value;

    private Secret(String value) {
        this.value = Objects.requireNonNull(value);
    }

    /** Converter entry point used by SmallRye Config. */
    public static Secret of(String value) {
        return new Secret(value);
    }

    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "****";
    }
}
