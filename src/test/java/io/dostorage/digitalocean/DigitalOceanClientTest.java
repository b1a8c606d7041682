package io.dostorage.digitalocean;

import io.dostorage.emulator.DoEmulator;
import io.dostorage.emulator.InProcessEmulator;
import io.dostorage.support.ContractChecked;
import io.dostorage.volume.Cloud;
import io.dostorage.volume.CloudAction;
import io.dostorage.volume.CloudException;
import io.dostorage.volume.CloudUnavailableException;
import io.dostorage.volume.DoVolume;
import io.dostorage.volume.NewVolume;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import jakarta.inject.Inject;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DigitalOcean adapter behind the rules' port, as the plugin wires it (with its fault
 * tolerance), against the in-process emulator, every call contract-checked; DO calls are counted on
 * the emulator, as they are a budget shared by every node of a cluster.
 */
@QuarkusTest
class DigitalOceanClientTest implements ContractChecked {

    private static final String REGION = "nyc1";

    @Inject
    Cloud cloud;

    @Inject
    InProcessEmulator inProcess;

    @Inject
    CircuitBreakerMaintenance circuitBreakers;

    @Override
    public DoEmulator emulator() {
        return inProcess.emulator().orElseThrow();
    }

    @BeforeEach
    void closeCircuits() {
        circuitBreakers.resetAll();
    }

    @Test
    void theMetadataServiceTellsThisDropletsIdAndRegion() {
        assertEquals(1001L, cloud.dropletId());
        assertEquals(REGION, cloud.region());
    }

    @Test
    void createFindAttachDetachDelete() {
        DoVolume created = cloud.create(new NewVolume("client-life", 3, REGION, "test", null, List.of("a:b")));
        assertEquals(3, created.sizeGib());
        assertEquals(created.id(), cloud.find("client-life", REGION).orElseThrow().id());

        CloudAction attach = cloud.attach(created.id(), REGION, 1001).orElseThrow();
        assertEquals("attach_volume", attach.type());
        assertEquals(CloudAction.Status.COMPLETED, awaitEnd(attach).status());
        assertEquals(List.of(1001L), cloud.volume(created.id()).orElseThrow().dropletIds());
        assertTrue(cloud.droplet(1001).orElseThrow().volumeIds().contains(created.id()));

        assertEquals(CloudAction.Status.COMPLETED, awaitEnd(cloud.detach(created.id(), REGION, 1001).orElseThrow()).status());
        assertEquals(List.of(), cloud.volume(created.id()).orElseThrow().dropletIds());

        cloud.delete(created.id());
        assertEquals(Optional.empty(), cloud.find("client-life", REGION));
    }

    @Test
    void alreadyDoneIsNotAnError() {
        DoVolume volume = cloud.create(new NewVolume("client-already", 1, REGION, null, null, List.of()));
        DoVolume again = cloud.create(new NewVolume("client-already", 1, REGION, null, null, List.of()));
        assertEquals(volume.id(), again.id(), "creating an existing volume returns it");

        awaitEnd(cloud.attach(volume.id(), REGION, 1001).orElseThrow());
        emulator().resetCalls();
        assertEquals(Optional.empty(), cloud.attach(volume.id(), REGION, 1001), "attached here already: nothing to wait for");
        assertEquals(1, emulator().calls().getOrDefault("POST /v2/volumes/{volume_id}/actions", 0));

        awaitEnd(cloud.detach(volume.id(), REGION, 1001).orElseThrow());
        assertEquals(Optional.empty(), cloud.detach(volume.id(), REGION, 1001), "not attached there: nothing to do");
        cloud.delete(volume.id());
        cloud.delete(volume.id());
        assertEquals(Optional.empty(), cloud.volume(volume.id()));
    }

    @Test
    void aVolumeIsRestoredFromASnapshotWithTheSizeAsked() throws Exception {
        DoVolume source = cloud.create(new NewVolume("client-snap-source", 1, REGION, null, null, List.of()));
        // The port makes no snapshots (the plugin only restores them): taken as a user would, with DO's API.
        java.net.http.HttpResponse<String> made = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(emulator().apiUrl().resolve("/v2/volumes/" + source.id() + "/snapshots"))
                        .header("Authorization", "Bearer any").header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"client-snap\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(201, made.statusCode(), made.body());
        String snapshotId = made.body().replaceAll("(?s).*\"snapshot\":\\{\"id\":\"([^\"]+)\".*", "$1");

        // Contract-checked: DO's description requires size_gigabytes with a snapshot_id too.
        DoVolume restored = cloud.create(new NewVolume("client-snap-restored", 2, REGION, null, snapshotId, List.of()));

        assertEquals(2, restored.sizeGib());
        assertEquals(List.of(), emulator().violations(), "every request matched DO's API description");
    }

    @Test
    void listingFourHundredFiftyVolumesTakesThreePages() {
        for (int i = 0; i < 450; i++) {
            cloud.create(new NewVolume("many-" + i, 1, "sfo3", null, null, List.of()));
        }
        emulator().resetCalls();

        List<DoVolume> all = cloud.list("sfo3");

        assertEquals(450, all.size());
        assertEquals(450, all.stream().map(DoVolume::name).distinct().count());
        assertEquals(3, emulator().calls().get("GET /v2/volumes"), "pages of 200, the most DO allows");
        assertEquals(3, emulator().totalCalls());
    }

    @Test
    void aRateLimitedCallIsRetriedAfterTheWaitDoAsksFor() {
        emulator().faults().rateLimited(1, Duration.ofSeconds(1));
        long start = System.nanoTime();

        assertEquals(Optional.empty(), cloud.find("nothing-here", REGION));

        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofMillis(900)) >= 0,
                "waited for the rate limit to reset");
        assertEquals(2, emulator().calls().get("GET /v2/volumes"));
    }

    @Test
    void aRateLimitThatResetsTooLateFailsAtOnceAsUnavailableWithAClearMessage() {
        emulator().faults().rateLimited(1, Duration.ofHours(1));

        CloudUnavailableException e = assertThrows(CloudUnavailableException.class, () -> cloud.find("nothing-here", REGION));

        assertTrue(e.getMessage().startsWith("DigitalOcean's rate limit for this access token is used up for"), e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 429"), e.getMessage());
        assertNotNull(e.requestId());
        assertEquals(1, emulator().totalCalls());
    }

    @Test
    void aBurstOfServerErrorsIsSurvived() {
        emulator().faults().serverErrors(3, 503);

        assertEquals(Optional.empty(), cloud.find("nothing-here", REGION));

        assertEquals(4, emulator().calls().get("GET /v2/volumes"));
    }

    /** JSON cut short (a proxy, a connection lost midway) is an unreadable answer: asked again, as a 5xx is. */
    @Test
    void anAnswerWhoseJsonIsCutShortIsAskedAgain() {
        DoVolume volume = cloud.create(new NewVolume("client-cut", 1, REGION, null, null, List.of()));
        emulator().resetCalls();
        emulator().faults().truncatedAnswers(2);

        assertEquals(volume, cloud.volume(volume.id()).orElseThrow());

        assertEquals(3, emulator().calls().get("GET /v2/volumes/{volume_id}"), "twice cut, then whole");
    }

    @Test
    void clientErrorsAreNotRetried() {
        assertEquals(Optional.empty(), cloud.volume("506f78a4-e098-11e5-ad9f-000f53306ae1"));
        assertEquals(1, emulator().totalCalls(), "404 asked once");

        DoVolume volume = cloud.create(new NewVolume("client-4xx", 1, REGION, null, null, List.of()));
        emulator().resetCalls();
        CloudException e = assertThrows(CloudException.class, () -> cloud.attach(volume.id(), REGION, 999_999));
        assertFalse(e instanceof CloudUnavailableException, e.getMessage());
        assertTrue(e.getMessage().contains("(HTTP 4"), e.getMessage());
        assertEquals(1, emulator().totalCalls(), "4xx asked once: " + emulator().calls());
    }

    @Test
    void oneCircuitBreakerGuardsEveryCallOpensAfterRepeatedFailuresAndClosesAgain() throws Exception {
        DoVolume volume = cloud.create(new NewVolume("client-breaker", 1, REGION, null, null, List.of()));
        emulator().faults().serverErrors(1_000, 500);
        for (int i = 0; i < 4; i++) {
            try {
                cloud.find("nothing-here", REGION);
            } catch (CloudUnavailableException e) {
                // expected while DO fails
            }
        }
        assertEquals(CircuitBreakerState.OPEN, circuitBreakers.currentState(DoCalls.BREAKER));
        int callsWhenOpen = emulator().totalCalls();
        CloudUnavailableException open = assertThrows(CloudUnavailableException.class, () -> cloud.volume(volume.id()));
        assertInstanceOf(CircuitBreakerOpenException.class, open.getCause(), "another call meets the same open breaker");
        assertTrue(open.getMessage().contains("circuit breaker digitalocean open"), open.getMessage());
        assertThrows(CloudUnavailableException.class, () -> cloud.droplet(1001));
        assertEquals(callsWhenOpen, emulator().totalCalls(), "an open circuit does not call DO");

        emulator().faults().clear();
        Thread.sleep(600);
        assertEquals(Optional.empty(), cloud.find("nothing-here", REGION));
        assertEquals(volume.id(), cloud.volume(volume.id()).orElseThrow().id());
        assertEquals(CircuitBreakerState.CLOSED, circuitBreakers.currentState(DoCalls.BREAKER));
        assertFalse(emulator().totalCalls() == callsWhenOpen, "closed again, DO is called");
        cloud.delete(volume.id());
    }

    @Test
    void anErroredActionSaysSo() {
        DoVolume volume = cloud.create(new NewVolume("client-errored", 1, REGION, null, null, List.of()));
        emulator().faults().erroredActions(1);

        CloudAction ended = awaitEnd(cloud.attach(volume.id(), REGION, 1001).orElseThrow());

        assertEquals(CloudAction.Status.ERRORED, ended.status());
        assertEquals("attach_volume", ended.type());
        assertNotNull(ended.startedAt());
        assertEquals(List.of(), cloud.volume(volume.id()).orElseThrow().dropletIds());
    }

    @Test
    void aDropletThatIsGoneIsEmpty() {
        assertEquals(Optional.empty(), cloud.droplet(424242));
        assertTrue(cloud.droplet(1001).orElseThrow().isActive());
    }

    /** Polls the action until it is no longer in progress. */
    private CloudAction awaitEnd(CloudAction action) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        CloudAction current = action;
        while (current.status() == CloudAction.Status.IN_PROGRESS) {
            assertTrue(System.nanoTime() < deadline, "action " + action.id() + " still in progress");
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            current = cloud.action(action.id());
        }
        return current;
    }
}
