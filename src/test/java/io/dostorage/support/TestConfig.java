package io.dostorage.support;

import io.dostorage.config.PluginConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Settings for tests that build beans by hand: the real mapping with its real defaults, everything
 * under one temporary folder, plus the overrides a test asks for (keys as in application.properties).
 */
public final class TestConfig {

    private TestConfig() {
    }

    public static PluginConfig under(Path folder) {
        return with(folder, Map.of());
    }

    public static PluginConfig with(Path folder, Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>();
        values.put("dostorage.mount-root", folder.resolve("mnt").toString());
        values.put("dostorage.state-dir", folder.resolve("mnt/.dostorage").toString());
        values.put("dostorage.device-dir", folder.resolve("dev").toString());
        values.put("dostorage.socket", folder.resolve("plugin.sock").toString());
        values.put("dostorage.lock-timeout", "5s");
        values.put("dostorage.sweep-interval", "off");
        values.putAll(overrides);
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .withConverter(Duration.class, 100, new DurationConverter())
                .withMapping(PluginConfig.class)
                .withSources(new PropertiesConfigSource(values, "test", 500))
                .build();
        return config.getConfigMapping(PluginConfig.class);
    }
}
