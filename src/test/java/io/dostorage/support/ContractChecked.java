package io.dostorage.support;

import io.dostorage.emulator.DoEmulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * For test classes that talk to the DigitalOcean emulator: before each test, every request the
 * client sends and every response the emulator returns is checked against DigitalOcean's OpenAPI
 * description, and after each test there must be no violation. Faults and call counts start clean.
 */
public interface ContractChecked {

    DoEmulator emulator();

    @BeforeEach
    default void checkTheContract() {
        emulator().faults().clear();
        emulator().setContractCheck(OpenApiContract.instance());
        emulator().resetCalls();
    }

    @AfterEach
    default void noContractViolation() {
        List<String> violations = emulator().violations();
        emulator().faults().clear();
        assertEquals(List.of(), violations, "requests or responses that DigitalOcean's API description does not allow");
    }
}
