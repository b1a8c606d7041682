package io.dostorage.digitalocean;

import io.dostorage.emulator.DoEmulator;
import io.dostorage.emulator.InProcessEmulator;
import io.dostorage.support.ContractChecked;
import io.dostorage.support.LogCapture;
import io.dostorage.volume.Cloud;
import io.dostorage.volume.CloudException;
import io.dostorage.volume.CloudUnavailableException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A token DigitalOcean rejects is reported as such, and the token itself shows up nowhere, not even at DEBUG. */
@QuarkusTest
@TestProfile(TokenTest.WrongToken.class)
class TokenTest implements ContractChecked {

    static final String TOKEN = "dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";

    public static class WrongToken implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // At DEBUG, each DigitalOcean call is logged: the request line and the status, never a header.
            return Map.of("dostorage.access-token", TOKEN, "dostorage.digitalocean.emulator-token", "the-right-token",
                    "quarkus.log.category.\"io.dostorage.digitalocean.DoCalls\".level", "DEBUG");
        }
    }

    @Inject
    Cloud cloud;

    @Inject
    InProcessEmulator inProcess;

    @Override
    public DoEmulator emulator() {
        return inProcess.emulator().orElseThrow();
    }

    @Test
    void aRejectedTokenIsNamedAsTheCauseWithDosMessageAndTheTokenAppearsNowhere() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            CloudException e = assertThrows(CloudException.class, () -> cloud.find("pgdata", "nyc1"));
            assertFalse(e instanceof CloudUnavailableException, "asking again does not mend a token: " + e);
            // DO's words for a 401, as its API description gives them
            assertTrue(e.getMessage().startsWith("DigitalOcean rejected the access token: Unable to authenticate you"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("(HTTP 401"), e.getMessage());
            assertTrue(e.getMessage().contains("request id "), e.getMessage());
            assertEquals(1, emulator().totalCalls(), "a 401 is not retried");

            String answer = given().body("{\"Name\":\"pgdata\",\"ID\":\"x\"}").post("/VolumeDriver.Mount").asString();

            assertFalse(e.getMessage().contains(TOKEN));
            assertFalse(answer.contains(TOKEN), answer);
            assertFalse(log.text().contains(TOKEN), "the token was logged");
            assertTrue(log.text().contains("DigitalOcean GET /v2/volumes?name=pgdata&region=nyc1&page=1: 401 in "),
                    "at DEBUG each DigitalOcean call is logged with its status and time:\n" + log.text());
            assertTrue(log.text().length() > 0, "the capture saw the log");
        }
        try (Stream<Path> files = Files.walk(Path.of("target"))) {
            List<Path> holding = files.filter(Files::isRegularFile).filter(p -> p.toString().contains("test-mnt"))
                    // the emulator's volume images are sparse files of gigabytes of zeros it wrote itself
                    .filter(p -> size(p) < 64L * 1024 * 1024)
                    .filter(p -> contains(p, TOKEN)).toList();
            assertEquals(List.of(), holding, "files under the state folder that hold the token");
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static boolean contains(Path file, String text) {
        try {
            return new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1).contains(text);
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
