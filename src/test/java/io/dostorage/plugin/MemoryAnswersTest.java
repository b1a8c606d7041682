package io.dostorage.plugin;

import io.dostorage.volume.VolumeService;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Get and Path answered from memory (dockerd's Gets as it starts) say exactly what the endpoint says,
 * are never stale, and leave every body they do not take, with its Err, to the endpoint.
 */
@QuarkusTest
class MemoryAnswersTest {

    @Inject
    VolumeService volumes;

    @Test
    void aGetFromMemoryIsTheEndpointsAnswerByteForByte() {
        volumes.create("mem-same", Map.of("size", "3"));
        volumes.create("mem-other", Map.of("size", "1")); // a write: mem-same's copy is no longer current
        assertFalse(volumes.getFromMemory("mem-same").isPresent());
        Response fromEndpoint = get("mem-same");
        assertTrue(volumes.getFromMemory("mem-same").isPresent(), "the endpoint's read leaves a current copy");
        Response fromMemory = get("mem-same");

        assertEquals(200, fromMemory.statusCode());
        assertEquals(fromEndpoint.contentType(), fromMemory.contentType());
        assertEquals(fromEndpoint.asString(), fromMemory.asString());
        fromMemory.then().body("Err", equalTo("")).body("Volume.Name", equalTo("mem-same"))
                .body("Volume.Status.size", equalTo("3")).body("Volume.Status.references", equalTo(0))
                .body("Volume.Mountpoint", nullValue());
        given().body("{\"Name\":\"mem-same\"}").post("/VolumeDriver.Path").then().statusCode(200)
                .body("Mountpoint", equalTo("")).body("Err", equalTo(""));
    }

    @Test
    void aMountOrUnmountIsSeenByTheNextGetAndPath() {
        volumes.create("mem-fresh", Map.of("size", "1"));
        get("mem-fresh");
        assertTrue(volumes.getFromMemory("mem-fresh").isPresent());

        String folder = volumes.mount("mem-fresh", "c1").toString();
        get("mem-fresh").then().body("Volume.Mountpoint", equalTo(folder)).body("Volume.Status.references", equalTo(1));
        given().body("{\"Name\":\"mem-fresh\"}").post("/VolumeDriver.Path").then().body("Mountpoint", equalTo(folder));

        volumes.unmount("mem-fresh", "c1");
        get("mem-fresh").then().body("Volume.Mountpoint", nullValue()).body("Volume.Status.references", equalTo(0));
        given().body("{\"Name\":\"mem-fresh\"}").post("/VolumeDriver.Path").then().body("Mountpoint", equalTo(""));
    }

    @Test
    void aBodyItDoesNotTakeGetsTheEndpointsErr() {
        volumes.create("mem-bad", Map.of("size", "1"));
        get("mem-bad");
        assertTrue(volumes.getFromMemory("mem-bad").isPresent());

        given().body("{\"Name\":12}").post("/VolumeDriver.Get").then().statusCode(400)
                .body("Err", startsWith("request body of /VolumeDriver.Get is not valid: Name is a number (12)"));
        given().body("{\"Name\":\"mem-bad\"").post("/VolumeDriver.Get").then().statusCode(400)
                .body("Err", startsWith("request body of /VolumeDriver.Get is not valid JSON"));
        given().body("{\"Name\":\"Mem-Bad\"}").post("/VolumeDriver.Path").then().statusCode(200)
                .body("Err", startsWith("invalid volume name \"Mem-Bad\""));
        given().body("{\"Name\":\"mem-bad\",\"Name\":\"nothere\"}").post("/VolumeDriver.Get").then().statusCode(400)
                .body("Err", startsWith("request body of /VolumeDriver.Get is not valid: \"Name\" is given twice"));
        given().post("/VolumeDriver.Get").then().statusCode(200)
                .body("Err", startsWith("missing request body: /VolumeDriver.Get expects JSON such as"));
        given().body("{\"Name\":\"mem-bad\",\"x\":\"" + "a".repeat(70_000) + "\"}").post("/VolumeDriver.Get")
                .then().statusCode(413).body("Err", startsWith("request body of /VolumeDriver.Get is too large"));
        get("mem-bad").then().statusCode(200).body("Volume.Name", equalTo("mem-bad"));
    }

    private static Response get(String name) {
        return given().body("{\"Name\":\"" + name + "\"}").post("/VolumeDriver.Get");
    }
}
