package io.dostorage.plugin;

import io.dostorage.volume.Volume;
import io.dostorage.volume.VolumeService;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every kind of bad request gets a clear {@code Err} that says what is wrong and what is allowed,
 * and changes nothing: the volumes, their references and the folders under the mount root are the
 * same before and after.
 */
@QuarkusTest
class BadInputTest {

    private static final String NAME_RULE = "; a volume name is 1 to 64 lowercase letters, digits and '-', starting "
            + "with a letter (DigitalOcean's rule for volume names)";

    @Inject
    VolumeService volumes;

    @BeforeEach
    void aVolumeInUse() {
        volumes.create("existing", Map.of("size", "5"));
        volumes.mount("existing", "holder");
    }

    static Stream<Arguments> badRequests() {
        String name65 = "a".repeat(65);
        return Stream.of(
                row("VolumeDriver.Create", "{\"Name\": ", 400, "request body of /VolumeDriver.Create is not valid JSON for this endpoint: "),
                row("VolumeDriver.Create", "not json", 400, "request body of /VolumeDriver.Create is not valid JSON for this endpoint: Unrecognized token 'not'"),
                row("VolumeDriver.Create", "[\"pg\"]", 400, "request body of /VolumeDriver.Create is not valid JSON for this endpoint: "),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":\"size=1\"}", 400, "request body of /VolumeDriver.Create is not valid JSON for this endpoint: at Opts: "),
                row("VolumeDriver.Create", "", 200, "missing request body: /VolumeDriver.Create expects JSON such as {\"Name\": \"pgdata\""),
                row("VolumeDriver.Create", "{}", 200, "missing volume name: " + NAME_RULE.substring(2)),
                row("VolumeDriver.Create", "{\"Opts\":{\"size\":\"1\"}}", 200, "missing volume name: " + NAME_RULE.substring(2)),
                row("VolumeDriver.Create", "{\"Name\":\"\"}", 200, "missing volume name: " + NAME_RULE.substring(2)),
                row("VolumeDriver.Create", "{\"Name\":\"PgData\"}", 200, "invalid volume name \"PgData\": it starts with \"P\"" + NAME_RULE),
                row("VolumeDriver.Create", "{\"Name\":\"" + name65 + "\"}", 200, "invalid volume name \"" + name65 + "\": it has 65 characters" + NAME_RULE),
                row("VolumeDriver.Create", "{\"Name\":\"pg/data\"}", 200, "invalid volume name \"pg/data\": \"/\" is not allowed" + NAME_RULE),
                row("VolumeDriver.Create", "{\"Name\":\"..\"}", 200, "invalid volume name \"..\": it starts with \".\"" + NAME_RULE),
                row("VolumeDriver.Create", "{\"Name\":\"pg..\"}", 200, "invalid volume name \"pg..\": \".\" is not allowed" + NAME_RULE),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":{\"sise\":\"1\"}}", 200, "unknown option \"sise\": known options are description, fstype, remove, size, snapshot, subpath, tags, takeover"),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":{\"size\":\"-3\"}}", 200, "invalid option size=\"-3\": size must be a whole number of GiB from 1 to 16384"),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":{\"size\":\"0\"}}", 200, "invalid option size=\"0\": size must be a whole number of GiB from 1 to 16384"),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":{\"size\":\"abc\"}}", 200, "invalid option size=\"abc\": size must be a whole number of GiB from 1 to 16384"),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":{\"fstype\":\"btrfs\"}}", 200, "invalid option fstype=\"btrfs\": fstype must be one of ext4, xfs"),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":{\"subpath\":\"../../etc\"}}", 200, "invalid option subpath=\"../../etc\": subpath must be a relative folder"),
                row("VolumeDriver.Create", "{\"Name\":\"existing\",\"Opts\":{\"size\":\"6\"}}", 200, "creating volume existing: it already exists with size=5 (asked: 6)"),
                row("VolumeDriver.Mount", "{\"Name\":\"existing\"}", 200, "missing ID: Mount and Unmount need the caller's ID"),
                row("VolumeDriver.Mount", "{\"Name\":\"../existing\",\"ID\":\"x\"}", 200, "invalid volume name \"../existing\""),
                row("VolumeDriver.Mount", "{\"Name\":\"nothere\",\"ID\":\"x\"}", 200, "volume nothere not found"),
                row("VolumeDriver.Unmount", "{\"ID\":\"holder\"}", 200, "missing volume name: " + NAME_RULE.substring(2)),
                row("VolumeDriver.Unmount", "{\"Name\":\"existing\",\"ID\":\"\"}", 200, "missing ID"),
                row("VolumeDriver.Remove", "{\"Name\":\"existing\"}", 200, "removing volume existing: it is mounted on this node for 1 container(s)"),
                row("VolumeDriver.Remove", "{\"Name\":\"/etc\"}", 200, "invalid volume name \"/etc\""),
                row("VolumeDriver.Get", "{\"Name\":\"nothere\"}", 200, "volume nothere not found"),
                row("VolumeDriver.Path", "{\"Name\":\"Existing\"}", 200, "invalid volume name \"Existing\""),
                row("VolumeDriver.Snapshot", "{\"Name\":\"existing\"}", 404, "unknown endpoint /VolumeDriver.Snapshot: this plugin serves /Plugin.Activate, /VolumeDriver.Create"),
                row("Plugin.Deactivate", "", 404, "unknown endpoint /Plugin.Deactivate"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("badRequests")
    void getsAClearErrAndChangesNothing(String endpoint, String body, int status, String err) throws IOException {
        Snapshot before = snapshot();

        given().body(body).post("/" + endpoint)
                .then().statusCode(status).body("Err", startsWith(err));

        assertEquals(before, snapshot());
    }

    @ParameterizedTest
    @MethodSource("wrongMethods")
    void otherMethodsThanPostAreRefused(String method) throws IOException {
        Snapshot before = snapshot();

        given().request(method, "/VolumeDriver.List").then().statusCode(405)
                .body("Err", startsWith("/VolumeDriver.List takes POST only"));

        assertEquals(before, snapshot());
    }

    static Stream<String> wrongMethods() {
        return Stream.of("GET", "PUT", "DELETE");
    }

    private static Arguments row(String endpoint, String body, int status, String err) {
        return Arguments.of(endpoint, body, status, err);
    }

    private Snapshot snapshot() throws IOException {
        Path root = volumes.mountRoot();
        try (Stream<Path> files = Files.walk(root)) {
            return new Snapshot(volumes.list(),
                    files.map(root::relativize).filter(p -> !p.startsWith(".dostorage")).map(Path::toString).sorted().toList());
        }
    }

    private record Snapshot(List<Volume> volumes, List<String> files) {
    }
}
