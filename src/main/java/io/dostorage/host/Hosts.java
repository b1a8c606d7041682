package io.dostorage.host;

import io.dostorage.config.PluginConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.List;

/** Chooses this node's {@link VolumeHost} from the {@code MOUNTER} setting, and where its volumes' disks appear. */
@ApplicationScoped
class Hosts {

    @Produces
    @ApplicationScoped
    VolumeHost volumeHost(PluginConfig config) {
        return switch (config.mounter()) {
            case folder -> new FolderHost();
            case block -> new BlockDeviceHost(config.deviceDir(), config.volumes().deviceTimeout(), new ProcessRunner(),
                    BlockDeviceHost.DEFAULT_MOUNT_TABLE, List.of());
        };
    }

    @Produces
    @Singleton
    DeviceLinks deviceLinks(PluginConfig config) {
        return new DeviceLinks(config.deviceDir());
    }
}
