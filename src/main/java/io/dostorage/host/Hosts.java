package io.dostorage.host;

import io.dostorage.config.PluginConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.interceptor.Interceptor;

/** Chooses this node's {@link VolumeHost} from the {@code MOUNTER} setting. */
@ApplicationScoped
class Hosts {

    /**
     * Refuses to start with settings under which no Mount could ever succeed, rather than failing
     * each Mount later with a message about devices: the emulator backs its volumes with plain files
     * unless it is given loop devices, and {@code MOUNTER=block} formats and mounts block devices
     * only. Backing the volumes with loop devices behind the user's back is not done, as it needs root
     * and leaves loop devices attached on the host.
     */
    void checkSettings(@Observes @Priority(Interceptor.Priority.APPLICATION) StartupEvent event, PluginConfig config) {
        if (config.mounter() == PluginConfig.Mounter.block && config.digitalocean().emulator()
                && !config.digitalocean().emulatorLoopDevices()) {
            throw new HostException("settings MOUNTER=block and DO_EMULATOR=true do not fit together: the emulator backs "
                    + "its volumes with plain files, and MOUNTER=block mounts block devices only. Set MOUNTER=folder (a "
                    + "folder stands in for each volume, no root needed) or DO_EMULATOR_LOOP_DEVICES=true (the emulator "
                    + "backs its volumes with loop devices, needs root)");
        }
    }

    @Produces
    @ApplicationScoped
    VolumeHost volumeHost(PluginConfig config) {
        return switch (config.mounter()) {
            case folder -> new FolderHost(config.deviceDir());
            case block -> new BlockDeviceHost(config.deviceDir(), config.volumes().deviceTimeout(), new ProcessRunner());
        };
    }
}
