package io.dostorage.support;

import io.dostorage.config.PluginConfig;
import io.dostorage.config.Secret;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Settings for tests that build beans by hand: everything under one temporary folder. */
public record TestConfig(Path mountRoot, Duration lockTimeout, int defaultSize, String defaultFsType)
        implements PluginConfig {

    public static TestConfig under(Path folder) {
        return new TestConfig(folder.resolve("mnt"), Duration.ofSeconds(5), 10, "ext4");
    }

    public TestConfig withDefaults(int size, String fsType) {
        return new TestConfig(mountRoot, lockTimeout, size, fsType);
    }

    @Override
    public Optional<Secret> accessToken() {
        return Optional.empty();
    }

    @Override
    public URI apiUrl() {
        return URI.create("http://127.0.0.1:1");
    }

    @Override
    public URI metadataUrl() {
        return URI.create("http://127.0.0.1:1");
    }

    @Override
    public String socket() {
        return mountRoot.resolveSibling("plugin.sock").toString();
    }

    @Override
    public Path stateDir() {
        return mountRoot.resolve(".dostorage");
    }

    @Override
    public Path deviceDir() {
        return mountRoot.resolveSibling("dev");
    }

    @Override
    public VolumeDefaults volumes() {
        return new VolumeDefaults() {
            @Override
            public int size() {
                return defaultSize;
            }

            @Override
            public String fstype() {
                return defaultFsType;
            }
        };
    }

    @Override
    public String sweepInterval() {
        return "off";
    }
}
