package io.dostorage.digitalocean;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.dostorage.volume.CloudAction;
import io.dostorage.volume.DoDroplet;
import io.dostorage.volume.DoVolume;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The JSON of DigitalOcean's API v2, as far as the plugin reads or writes it (see the OpenAPI
 * description in {@code shared/do-api}). Fields the plugin does not use are ignored, so DO may add
 * fields freely.
 */
final class DoWire {

    private DoWire() {
    }

    /** DO's times are ISO 8601 in UTC ({@code 2020-03-02T17:00:49Z}); one that is not is left out. */
    private static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Volume(String id, String name, String description, Integer sizeGigabytes, List<Long> dropletIds,
                  Region region, String createdAt, String filesystemType, List<String> tags) {

        DoVolume toDoVolume() {
            return new DoVolume(id, name, region == null ? null : region.slug(), sizeGigabytes == null ? 0 : sizeGigabytes,
                    dropletIds, description, tags, filesystemType == null || filesystemType.isEmpty() ? null : filesystemType,
                    instant(createdAt));
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Region(String slug, String name) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record VolumeEnvelope(Volume volume) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record VolumePage(List<Volume> volumes, Links links, Meta meta) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Links(Pages pages) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Pages(String next, String last) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Meta(Integer total) {
    }

    /** POST /v2/volumes. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record NewVolume(String name, Integer sizeGigabytes, String region, String description, String snapshotId,
                     List<String> tags) {
    }

    /** POST /v2/volumes/{id}/actions: attach, detach (droplet_id) or resize (size_gigabytes). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record VolumeAction(String type, Long dropletId, String region, Integer sizeGigabytes) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Action(long id, String status, String type, String startedAt, String completedAt, String regionSlug) {

        /** DO's statuses are {@code in-progress}, {@code completed} and {@code errored}. */
        CloudAction toCloudAction() {
            CloudAction.Status state = switch (status == null ? "" : status) {
                case "completed" -> CloudAction.Status.COMPLETED;
                case "errored" -> CloudAction.Status.ERRORED;
                default -> CloudAction.Status.IN_PROGRESS;
            };
            return new CloudAction(id, type, state, instant(startedAt));
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record ActionEnvelope(Action action) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Droplet(long id, String name, String status, List<String> volumeIds, Region region) {

        DoDroplet toDoDroplet() {
            return new DoDroplet(id, name, status, region == null ? null : region.slug(), volumeIds);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record DropletEnvelope(Droplet droplet) {
    }

    /** Every DO error: {@code {"id": "not_found", "message": "...", "request_id": "..."}}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Error(String id, String message, String requestId) {
    }

    record NewTag(String name) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record TagResource(String resourceId, String resourceType) {
    }

    record TagResources(List<TagResource> resources) {
    }
}
