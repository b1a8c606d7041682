package io.dostorage.volume;

import io.dostorage.volume.TakeoverPolicy.Step;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TakeoverPolicyTest {

    @ParameterizedTest(name = "{0} with holder {1}: {2}, then {3}")
    @CsvSource({
            "wait,  gone,    DETACH_NOW,       DETACH_NOW",
            "wait,  off,     DETACH_NOW,       DETACH_NOW",
            "wait,  archive, DETACH_NOW,       DETACH_NOW",
            "wait,  active,  WAIT_FOR_RELEASE, DETACH_NOW",
            "wait,  new,     WAIT_FOR_RELEASE, DETACH_NOW",
            "force, gone,    DETACH_NOW,       DETACH_NOW",
            "force, off,     DETACH_NOW,       DETACH_NOW",
            "force, active,  DETACH_NOW,       DETACH_NOW",
            "never, gone,    DETACH_NOW,       FAIL",
            "never, off,     FAIL,             FAIL",
            "never, active,  WAIT_FOR_RELEASE, FAIL",
    })
    void decidesByPolicyAndHolderState(String policy, String holderStatus, Step first, Step afterWaiting) {
        Optional<DoDroplet> holder = holderStatus.equals("gone") ? Optional.empty()
                : Optional.of(new DoDroplet(2002, "node2", holderStatus, "nyc1", List.of("v")));
        TakeoverPolicy takeover = TakeoverPolicy.parse(policy);

        assertEquals(first, takeover.first(holder));
        assertEquals(afterWaiting, takeover.afterWaiting());
    }
}
