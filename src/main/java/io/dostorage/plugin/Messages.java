package io.dostorage.plugin;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * The wire types of Docker's volume plugin protocol (docs.docker.com, "Docker volume plugins",
 * and "Docker Plugin API"): JSON bodies with capitalised keys. Unknown fields in requests are
 * ignored, as newer dockerd versions may send more.
 */
final class Messages {

    private Messages() {
    }

    /** {@code /VolumeDriver.Create}: {@code Opts} is {@code null} when the user gave no {@code -o}. */
    record CreateRequest(@JsonProperty("Name") String name, @JsonProperty("Opts") Map<String, String> opts) {
    }

    /** {@code /VolumeDriver.Remove}, {@code .Path}, {@code .Get}. */
    record NameRequest(@JsonProperty("Name") String name) {
    }

    /** {@code /VolumeDriver.Mount}, {@code .Unmount}: {@code ID} identifies the caller of this mount. */
    record MountRequest(@JsonProperty("Name") String name, @JsonProperty("ID") String id) {
    }

    /** Every failed call, and the calls that answer nothing else. {@code Err} is empty on success. */
    record ErrResponse(@JsonProperty("Err") String err) {
        static final ErrResponse OK = new ErrResponse("");
    }

    record ActivateResponse(@JsonProperty("Implements") List<String> implementsList) {
    }

    record MountResponse(@JsonProperty("Mountpoint") String mountpoint, @JsonProperty("Err") String err) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record VolumeInfo(@JsonProperty("Name") String name,
                      @JsonProperty("Mountpoint") String mountpoint,
                      @JsonProperty("CreatedAt") String createdAt,
                      @JsonProperty("Status") Map<String, Object> status) {
    }

    record GetResponse(@JsonProperty("Volume") VolumeInfo volume, @JsonProperty("Err") String err) {
    }

    record ListResponse(@JsonProperty("Volumes") List<VolumeInfo> volumes, @JsonProperty("Err") String err) {
    }

    record Capabilities(@JsonProperty("Scope") String scope) {
    }

    record CapabilitiesResponse(@JsonProperty("Capabilities") Capabilities capabilities) {
    }
}
