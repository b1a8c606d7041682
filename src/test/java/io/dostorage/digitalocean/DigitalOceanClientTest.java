package io.dostorage.digitalocean;

import io.dostorage.emulator.DoEmulator;
import io.dostorage.emulator.InProcessEmulator;
import io.dostorage.support.ContractChecked;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DigitalOcean client against the emulator, every call contract-checked; DO calls are counted
 * on the emulator, as they are a budget shared by every node of a cluster.
 */
@QuarkusTest
class DigitalOceanClientTest implements ContractChecked {

    private static final String REGION = "nyc1";

    @Inject
    DigitalOcean digitalOcean;

    @Inject
    ThisDroplet thisDroplet;

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
        assertEquals(1001L, thisDroplet.id());
        assertEquals(REGION, thisDroplet.region());
    }

    @Test
    void createFindAttachDetachDelete() {
        DoVolume created = digitalOcean.createVolume(new NewVolume("client-life", 3, REGION, "test", null, List.of("a:b")));
        assertEquals(3, created.sizeGib());
        assertEquals(created.id(), digitalOcean.findVolume("client-life", REGION).orElseThrow().id());

        DoVolume attached = digitalOcean.attach(created, 1001);
        assertTrue(attached.isAttachedTo(1001));
        assertEquals(List.of(1001L), digitalOcean.getVolume(created.id()).orElseThrow().dropletIds());
        assertTrue(digitalOcean.droplet(1001).orElseThrow().volumeIds().contains(created.id()));

        DoVolume detached = digitalOcean.detach(attached, 1001);
        assertEquals(List.of(), detached.dropletIds());
        assertEquals(List.of(), digitalOcean.getVolume(created.id()).orElseThrow().dropletIds());

        digitalOcean.deleteVolume(created.id());
        assertEquals(Optional.empty(), digitalOcean.findVolume("client-life", REGION));
    }

    @Test
    void aSignOfTheDiskThatWasThereBeforeTheAttachIsNotTrusted() {
        DoVolume volume = digitalOcean.createVolume(new NewVolume("client-stale-disk", 1, REGION, null, null, List.of()));
        emulator().resetCalls();

        DoVolume attached = digitalOcean.attach(volume, 1001, () -> true);

        assertTrue(attached.isAttachedTo(1001));
        assertTrue(emulator().calls().getOrDefault("GET /v2/actions/{action_id}", 0) >= 1,
                "waited for DO to say completed: " + emulator().calls());
        assertEquals(List.of(1001L), digitalOcean.getVolume(volume.id()).orElseThrow().dropletIds());
        digitalOcean.detach(attached, 1001);
        digitalOcean.deleteVolume(volume.id());
    }

    @Test
    void alreadyDoneIsNotAnError() {
        DoVolume volume = digitalOcean.createVolume(new NewVolume("client-already", 1, REGION, null, null, List.of()));
        DoVolume again = digitalOcean.createVolume(new NewVolume("client-already", 1, REGION, null, null, List.of()));
        assertEquals(volume.id(), again.id(), "creating an existing volume returns it");

        digitalOcean.attach(volume, 1001);
        emulator().resetCalls();
        assertTrue(digitalOcean.attach(volume, 1001).isAttachedTo(1001), "a stale view that says detached still works");
        assertEquals(1, emulator().calls().getOrDefault("POST /v2/volumes/{volume_id}/actions", 0));

        digitalOcean.detach(volume, 1001);
        digitalOcean.detach(volume, 1001);
        digitalOcean.deleteVolume(volume.id());
        digitalOcean.deleteVolume(volume.id());
        assertEquals(Optional.empty(), digitalOcean.getVolume(volume.id()));
    }

    @Test
    void listingFourHundredFiftyVolumesTakesThreePages() {
        for (int i = 0; i < 450; i++) {
            digitalOcean.createVolume(new NewVolume("many-" + i, 1, "sfo3", null, null, List.of()));
        }
        emulator().resetCalls();

        List<DoVolume> all = digitalOcean.listVolumes("sfo3");

        assertEquals(450, all.size());
        assertEquals(450, all.stream().map(DoVolume::name).distinct().count());
        assertEquals(3, emulator().calls().get("GET /v2/volumes"), "pages of 200, the most DO allows");
        assertEquals(3, emulator().totalCalls());
    }

    @Test
    void aRateLimitedCallIsRetriedAfterTheWaitDoAsksFor() {
        emulator().faults().rateLimited(1, Duration.ofSeconds(1));
        long start = System.nanoTime();

        assertEquals(Optional.empty(), digitalOcean.findVolume("nothing-here", REGION));

        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofMillis(900)) >= 0,
                "waited for the rate limit to reset");
        assertEquals(2, emulator().calls().get("GET /v2/volumes"));
    }

    @Test
    void aRateLimitThatResetsTooLateFailsAtOnceWithAClearMessage() {
        emulator().faults().rateLimited(1, Duration.ofHours(1));

        DigitalOceanException e = assertThrows(DigitalOceanException.class,
                () -> digitalOcean.findVolume("nothing-here", REGION));

        assertTrue(e.getMessage().startsWith("DigitalOcean's rate limit for this access token is used up for"), e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 429"), e.getMessage());
        assertEquals(1, emulator().totalCalls());
    }

    @Test
    void aBurstOfServerErrorsIsSurvived() {
        emulator().faults().serverErrors(3, 503);

        assertEquals(Optional.empty(), digitalOcean.findVolume("nothing-here", REGION));

        assertEquals(4, emulator().calls().get("GET /v2/volumes"));
    }

    @Test
    void clientErrorsAreNotRetried() {
        assertEquals(Optional.empty(), digitalOcean.getVolume("506f78a4-e098-11e5-ad9f-000f53306ae1"));
        assertEquals(1, emulator().totalCalls(), "404 asked once");

        DoVolume volume = digitalOcean.createVolume(new NewVolume("client-422", 1, REGION, null, null, List.of()));
        emulator().resetCalls();
        DigitalOceanException e = assertThrows(DigitalOceanException.class, () -> digitalOcean.attach(volume, 999_999));
        assertTrue(e.status() >= 400 && e.status() < 500, "status " + e.status());
        assertEquals(1, emulator().totalCalls(), "4xx asked once: " + emulator().calls());
    }

    @Test
    void theCircuitOpensAfterRepeatedFailuresAndClosesAgain() throws Exception {
        emulator().faults().serverErrors(1_000, 500);
        for (int i = 0; i < 4; i++) {
            try {
                digitalOcean.findVolume("nothing-here", REGION);
            } catch (DigitalOceanException | CircuitBreakerOpenException e) {
                // expected while DO fails
            }
        }
        int callsWhenOpen = emulator().totalCalls();
        assertThrows(CircuitBreakerOpenException.class, () -> digitalOcean.findVolume("nothing-here", REGION));
        assertEquals(callsWhenOpen, emulator().totalCalls(), "an open circuit does not call DO");

        emulator().faults().clear();
        Thread.sleep(600);
        assertEquals(Optional.empty(), digitalOcean.findVolume("nothing-here", REGION));
        assertEquals(Optional.empty(), digitalOcean.findVolume("nothing-here", REGION));
        assertFalse(emulator().totalCalls() == callsWhenOpen, "closed again, DO is called");
    }

    @Test
    void anErroredActionSaysSo() {
        DoVolume volume = digitalOcean.createVolume(new NewVolume("client-errored", 1, REGION, null, null, List.of()));
        emulator().faults().erroredActions(1);

        DigitalOceanException e = assertThrows(DigitalOceanException.class, () -> digitalOcean.attach(volume, 1001));

        assertTrue(e.getMessage().matches("DigitalOcean action \\d+ \\(attach_volume of volume client-errored, started .*\\) "
                + "ended with status errored"), e.getMessage());
        assertEquals(List.of(), digitalOcean.getVolume(volume.id()).orElseThrow().dropletIds());
    }

    @Test
    void aDropletThatIsGoneIsEmpty() {
        assertEquals(Optional.empty(), digitalOcean.droplet(424242));
        assertTrue(digitalOcean.droplet(1001).orElseThrow().isActive());
    }
}
