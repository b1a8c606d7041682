package io.dostorage.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import io.dostorage.support.DockerClient;
import io.dostorage.support.DockerClient.Reply;
import io.dostorage.support.PluginProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged plugin as dockerd meets it: a separate process on a real unix socket, spoken to
 * with dockerd's exact headers and bodies on one kept-alive connection.
 */
class PluginProcessIT {

    @TempDir
    Path folder;

    @Test
    void servesAWholeVolumeLifecycleAsDockerdDrivesIt() throws Exception {
        try (PluginProcess plugin = PluginProcess.start(folder); DockerClient docker = plugin.connect()) {
            Reply activate = docker.post("Plugin.Activate", null);
            assertEquals(200, activate.status());
            assertEquals("application/json", activate.headers().get("content-type").split(";")[0]);
            assertEquals("VolumeDriver", activate.json().get("Implements").get(0).asText());

            assertEquals("global", docker.post("VolumeDriver.Capabilities", "{}").json().at("/Capabilities/Scope").asText());

            assertEquals("volume v1 not found", docker.post("VolumeDriver.Get", "{\"Name\":\"v1\"}").err(),
                    "dockerd asks Get before Create and needs an Err for an unknown volume");
            assertEquals("", docker.post("VolumeDriver.Create", "{\"Name\":\"v1\",\"Opts\":null}").err());

            JsonNode volume = docker.post("VolumeDriver.Get", "{\"Name\":\"v1\"}").json().get("Volume");
            assertEquals("v1", volume.get("Name").asText());
            assertEquals("10", volume.at("/Status/size").asText());
            assertEquals("v1", docker.post("VolumeDriver.List", "{}").json().at("/Volumes/0/Name").asText());

            Path expected = plugin.mountRoot().resolve("v1");
            String id1 = "beb10450b6c5e7d6e3cd4f3a5c2b7a81d0d3d8b7e54c1c7a6b9f0e2d1c3a4518";
            String id2 = "0c3a5d7e9f1b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d";
            Reply mount1 = docker.post("VolumeDriver.Mount", "{\"Name\":\"v1\",\"ID\":\"" + id1 + "\"}");
            assertEquals("", mount1.err());
            assertEquals(expected.toString(), mount1.json().get("Mountpoint").asText());
            assertTrue(Files.isDirectory(expected));
            assertEquals(expected.toString(), docker.post("VolumeDriver.Mount", "{\"Name\":\"v1\",\"ID\":\"" + id2 + "\"}")
                    .json().get("Mountpoint").asText());
            assertEquals(expected.toString(), docker.post("VolumeDriver.Path", "{\"Name\":\"v1\"}").json().get("Mountpoint").asText());
            assertEquals(2, docker.post("VolumeDriver.Get", "{\"Name\":\"v1\"}").json().at("/Volume/Status/references").asInt());

            assertEquals("", docker.post("VolumeDriver.Unmount", "{\"Name\":\"v1\",\"ID\":\"" + id1 + "\"}").err());
            assertEquals(expected.toString(), docker.post("VolumeDriver.Path", "{\"Name\":\"v1\"}").json().get("Mountpoint").asText(),
                    "still mounted for the second caller");
            assertEquals("", docker.post("VolumeDriver.Unmount", "{\"Name\":\"v1\",\"ID\":\"" + id2 + "\"}").err());
            assertEquals("", docker.post("VolumeDriver.Path", "{\"Name\":\"v1\"}").json().get("Mountpoint").asText());

            assertEquals("", docker.post("VolumeDriver.Remove", "{\"Name\":\"v1\"}").err());
            assertEquals("volume v1 not found", docker.post("VolumeDriver.Get", "{\"Name\":\"v1\"}").err());
            assertEquals(0, docker.post("VolumeDriver.List", "{}").json().get("Volumes").size());
        }
    }

    @Test
    void referencesAndMountpointSurviveKill9() throws Exception {
        Map<String, String> env = PluginProcess.environment(folder);
        PluginProcess first = PluginProcess.start(folder, env);
        String mountpoint;
        try (DockerClient docker = first.connect()) {
            docker.post("VolumeDriver.Create", "{\"Name\":\"pgdata\",\"Opts\":{\"subpath\":\"data\"}}");
            mountpoint = docker.post("VolumeDriver.Mount", "{\"Name\":\"pgdata\",\"ID\":\"a\"}").json().get("Mountpoint").asText();
            assertEquals(mountpoint, docker.post("VolumeDriver.Mount", "{\"Name\":\"pgdata\",\"ID\":\"b\"}").json().get("Mountpoint").asText());
            Files.writeString(Path.of(mountpoint, "PG_VERSION"), "16\n");
        }
        first.kill9();

        try (PluginProcess second = PluginProcess.start(folder, env); DockerClient docker = second.connect()) {
            JsonNode volume = docker.post("VolumeDriver.Get", "{\"Name\":\"pgdata\"}").json().get("Volume");
            assertEquals(2, volume.at("/Status/references").asInt());
            assertEquals(mountpoint, volume.get("Mountpoint").asText());
            assertEquals(mountpoint, docker.post("VolumeDriver.Path", "{\"Name\":\"pgdata\"}").json().get("Mountpoint").asText());
            assertEquals("16\n", Files.readString(Path.of(mountpoint, "PG_VERSION")));

            docker.post("VolumeDriver.Unmount", "{\"Name\":\"pgdata\",\"ID\":\"a\"}");
            assertEquals(mountpoint, docker.post("VolumeDriver.Path", "{\"Name\":\"pgdata\"}").json().get("Mountpoint").asText());
            docker.post("VolumeDriver.Unmount", "{\"Name\":\"pgdata\",\"ID\":\"b\"}");
            assertEquals("", docker.post("VolumeDriver.Path", "{\"Name\":\"pgdata\"}").json().get("Mountpoint").asText());
        }
    }

    @Test
    void aSecondProcessOnTheSameStateFolderFailsToStartAndTheFirstKeepsItsSocket() throws Exception {
        Map<String, String> env = PluginProcess.environment(folder);
        try (PluginProcess first = PluginProcess.start(folder, env)) {
            try (DockerClient docker = first.connect()) {
                docker.post("VolumeDriver.Create", "{\"Name\":\"v1\"}");
            }

            PluginProcess second = PluginProcess.launch(folder, env);
            int exit = second.awaitExit(Duration.ofSeconds(30));

            assertNotEquals(0, exit);
            assertTrue(second.log().contains("is in use by another dostorage process (pid " + first.pid() + ")"), second.log());
            try (DockerClient docker = first.connect()) {
                assertEquals("v1", docker.post("VolumeDriver.Get", "{\"Name\":\"v1\"}").json().at("/Volume/Name").asText(),
                        "the first process still owns the socket");
            }
        }
    }

    @Test
    void refusesToStartWhenBlockMountsWouldMeetTheEmulatorsPlainFiles() throws Exception {
        Map<String, String> env = PluginProcess.environment(folder);
        env.put("MOUNTER", "block");

        PluginProcess plugin = PluginProcess.launch(folder, env);
        int exit = plugin.awaitExit(Duration.ofSeconds(30));

        assertNotEquals(0, exit);
        assertTrue(plugin.log().contains("settings MOUNTER=block and DO_EMULATOR=true do not fit together"), plugin.log());
        assertTrue(plugin.log().contains("Set MOUNTER=folder (a folder stands in for each volume, no root needed) or "
                + "DO_EMULATOR_LOOP_DEVICES=true"), plugin.log());
    }
}
