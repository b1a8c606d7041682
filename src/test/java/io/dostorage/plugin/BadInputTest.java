package io.dostorage.plugin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dostorage.volume.Volume;
import io.dostorage.volume.VolumeService;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Every kind of bad request gets a clear {@code Err} that says what is wrong and what is allowed,
 * and changes nothing: the volumes, their references and the folders under the mount root are the
 * same before and after.
 */
@QuarkusTest
class BadInputTest {

    private static final String CREATE_BODY = "request body of /VolumeDriver.Create ";
    private static final String CREATE_EXAMPLE = "; /VolumeDriver.Create expects JSON such as {\"Name\": \"pgdata\", "
            + "\"Opts\": {\"size\": \"10\"}}";
    private static final String NAME_TYPE = "Name must be a string, such as \"pgdata\"";
    private static final String OPTS_TYPE = "Opts must be an object of strings, such as {\"size\": \"10\"}";
    /** What Jackson's and Java's own messages contain, and an Err must not: type names, tokens, features. */
    private static final Pattern INTERNALS = Pattern.compile("java\\.|com\\.fasterxml|jackson|JsonToken|Feature|`|\\$");
    private static final String NAME_RULE = "; a volume name is 1 to 64 lowercase letters, digits and '-', starting "
            + "with a letter (DigitalOcean's rule for volume names)";

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    VolumeService volumes;

    @TestHTTPResource("VolumeDriver.Create")
    URI create;

    @BeforeEach
    void aVolumeInUse() {
        volumes.create("existing", Map.of("size", "5"));
        volumes.mount("existing", "holder");
    }

    static Stream<Arguments> badRequests() {
        String name65 = "a".repeat(65);
        return Stream.of(
                row("VolumeDriver.Create", "{\"Name\": ", 400, CREATE_BODY + "is not valid JSON: it ends before the JSON is complete" + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "not json", 400, CREATE_BODY + "is not valid JSON (at line 1, column 1)" + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":\"pg\"} x", 400, CREATE_BODY + "is not valid JSON (at line 1, column 15)" + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":\"pg\"} {}", 400, CREATE_BODY + "is not valid: something follows the JSON object" + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "[\"pg\"]", 400, CREATE_BODY + "must be a JSON object, not an array" + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "\"pg\"", 400, CREATE_BODY + "must be a JSON object, not a string" + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "12", 400, CREATE_BODY + "must be a JSON object, not a number" + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":true}", 400, CREATE_BODY + "is not valid: Name is a boolean (true), and " + NAME_TYPE + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":12}", 400, CREATE_BODY + "is not valid: Name is a number (12), and " + NAME_TYPE + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":1.5}", 400, CREATE_BODY + "is not valid: Name is a number (1.5), and " + NAME_TYPE + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":[\"pg\"]}", 400, CREATE_BODY + "is not valid: Name is an array, and " + NAME_TYPE + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":{\"n\":\"pg\"}}", 400, CREATE_BODY + "is not valid: Name is an object, and " + NAME_TYPE + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Name\":\"pg2\"}", 400, CREATE_BODY + "is not valid: \"Name\" is given twice" + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":\"size=1\"}", 400, CREATE_BODY + "is not valid: Opts is a string, and " + OPTS_TYPE + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":[\"size=1\"]}", 400, CREATE_BODY + "is not valid: Opts is an array, and " + OPTS_TYPE + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":{\"size\":10}}", 400, CREATE_BODY + "is not valid: Opts.size is a number (10), and " + OPTS_TYPE + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":{\"size\":2.5}}", 400, CREATE_BODY + "is not valid: Opts.size is a number (2.5), and " + OPTS_TYPE + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":{\"subpath\":true}}", 400, CREATE_BODY + "is not valid: Opts.subpath is a boolean (true), and " + OPTS_TYPE + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":{\"size\":{\"gib\":\"1\"}}}", 400, CREATE_BODY + "is not valid: Opts.size is an object, and " + OPTS_TYPE + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":{\"size\":\"1\",\"size\":\"2\"}}", 400, CREATE_BODY + "is not valid: \"size\" is given twice in Opts" + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":{\"size\":null}}", 400, CREATE_BODY + "is not valid: Opts.size is null, and " + OPTS_TYPE + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":" + "[".repeat(5000) + "]".repeat(5000) + "}", 400, CREATE_BODY + "is not valid JSON: it nests objects and arrays more than 64 levels deep" + CREATE_EXAMPLE),
                row("VolumeDriver.Create", "{\"Name\":\"pg\\u0000\"}", 200, "invalid volume name \"pg\\u0000\": \"\\u0000\" is not allowed"),
                row("VolumeDriver.Mount", "{\"Name\":\"existing\",\"ID\":5}", 400, "request body of /VolumeDriver.Mount is not valid: ID is a number (5), and ID must be a string, the ID of the caller as dockerd sends it; /VolumeDriver.Mount expects JSON such as {\"Name\": \"pgdata\", \"ID\": \"<caller id>\"}"),
                row("VolumeDriver.Get", "{\"Name\":\"existing\",\"Name\":\"nothere\"}", 400, "request body of /VolumeDriver.Get is not valid: \"Name\" is given twice; /VolumeDriver.Get expects JSON such as {\"Name\": \"pgdata\"}"),
                row("VolumeDriver.Remove", "{\"Name\":false}", 400, "request body of /VolumeDriver.Remove is not valid: Name is a boolean (false), and " + NAME_TYPE + "; /VolumeDriver.Remove expects JSON such as {\"Name\": \"pgdata\"}"),
                row("VolumeDriver.Create", "", 200, "missing request body: /VolumeDriver.Create expects JSON such as {\"Name\": \"pgdata\""),
                row("VolumeDriver.Create", "{}", 200, "missing volume name: " + NAME_RULE.substring(2)),
                row("VolumeDriver.Create", "{\"Opts\":{\"size\":\"1\"}}", 200, "missing volume name: " + NAME_RULE.substring(2)),
                row("VolumeDriver.Create", "{\"Name\":\"\"}", 200, "missing volume name: " + NAME_RULE.substring(2)),
                row("VolumeDriver.Create", "{\"Name\":\"PgData\"}", 200, "invalid volume name \"PgData\": it starts with \"P\"" + NAME_RULE),
                row("VolumeDriver.Create", "{\"Name\":\"" + name65 + "\"}", 200, "invalid volume name \"" + name65 + "\": it has 65 characters" + NAME_RULE),
                row("VolumeDriver.Create", "{\"Name\":\"pg/data\"}", 200, "invalid volume name \"pg/data\": \"/\" is not allowed" + NAME_RULE),
                row("VolumeDriver.Create", "{\"Name\":\"..\"}", 200, "invalid volume name \"..\": it starts with \".\"" + NAME_RULE),
                row("VolumeDriver.Create", "{\"Name\":\"pg..\"}", 200, "invalid volume name \"pg..\": \".\" is not allowed" + NAME_RULE),
                row("VolumeDriver.Create", "{\"Name\":\"pg\",\"Opts\":{\"sise\":\"1\"}}", 200, "unknown option \"sise\": known options are description, fstype, gid, mode, mountopts, remove, size, snapshot, subpath, tags, takeover, uid"),
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

        String answer = given().body(body).post("/" + endpoint)
                .then().statusCode(status).body("Err", startsWith(err)).extract().path("Err");

        assertFalse(INTERNALS.matcher(answer).find(), answer);
        assertEquals(before, snapshot());
    }

    /** Docker's bodies are a few hundred bytes; one just under the limit is read and judged as any other. */
    @Test
    void aBodyOverTheLimitGets413WithAnErrAndChangesNothing() throws Exception {
        Snapshot before = snapshot();
        String tooLarge = "request body of /VolumeDriver.Create is too large (";
        String limit = "): this plugin accepts at most 65536 bytes (64 KiB); Docker's requests are a few hundred bytes, "
                + "such as {\"Name\": \"pgdata\", \"Opts\": {\"size\": \"10\"}}";

        given().body(createWithDescription(70_000)).post("/VolumeDriver.Create")
                .then().statusCode(413).body("Err", equalTo(tooLarge + (70_000 + 44) + " bytes" + limit));
        // Without a length (chunked), as REST Assured cannot send it.
        byte[] chunked = createWithDescription(200_000).getBytes(StandardCharsets.UTF_8);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(create)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(chunked))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, answer.statusCode(), answer.body());
        assertEquals(tooLarge + "more than 65536 bytes" + limit, JSON.readTree(answer.body()).get("Err").asText());
        given().body(createWithDescription(60_000)).post("/VolumeDriver.Create")
                .then().statusCode(200).body("Err", startsWith("invalid option description="));

        assertEquals(before, snapshot());
    }

    /** JSON is UTF-8 (RFC 8259 section 8.1): a name in another encoding is refused, not read as replacement characters. */
    @Test
    void aBodyThatIsNotUtf8IsRefusedAndChangesNothing() throws IOException {
        Snapshot before = snapshot();
        byte[] latin1 = "{\"Name\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);

        given().body(latin1).post("/VolumeDriver.Create").then().statusCode(400)
                .body("Err", equalTo(CREATE_BODY + "is not valid JSON: it is not UTF-8 text" + CREATE_EXAMPLE));

        assertEquals(before, snapshot());
    }

    /** {@code {"Name": "big", "Opts": {"description": "xx...x"}}}: 44 bytes plus the description. */
    private static String createWithDescription(int length) {
        return "{\"Name\": \"big\", \"Opts\": {\"description\": \"" + "x".repeat(length) + "\"}}";
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

    /**
     * The volumes and the files under the mount root. Without fs_free: the dev-mode folder host reports
     * the disk the test folder is on, which other processes write to meanwhile.
     */
    private Snapshot snapshot() throws IOException {
        Path root = volumes.mountRoot();
        try (Stream<Path> files = Files.walk(root)) {
            return new Snapshot(volumes.list().stream().map(BadInputTest::withoutFreeSpace).toList(),
                    files.map(root::relativize).filter(p -> !p.startsWith(".dostorage")).map(Path::toString).sorted().toList());
        }
    }

    private record Snapshot(List<Volume> volumes, List<String> files) {
    }

    private static Volume withoutFreeSpace(Volume volume) {
        Map<String, Object> status = new java.util.HashMap<>(volume.status());
        status.remove("fs_free");
        return new Volume(volume.name(), volume.mountpoint(), volume.createdAt(), status);
    }
}
