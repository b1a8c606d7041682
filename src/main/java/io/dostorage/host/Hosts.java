package io.dostorage.host;

import io.dostorage.config.PluginConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import java.util.List;

/** Chooses this node's {@link VolumeHost} from the {@code MOUNTER} setting. */
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
}
