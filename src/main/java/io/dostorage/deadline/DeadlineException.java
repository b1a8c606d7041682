package io.dostorage.deadline;

/** A request stopped because its caller left or its deadline passed; what it added has been or is being undone. */
public class DeadlineException extends RuntimeException {

    private final boolean abandoned;

    DeadlineException(boolean abandoned, String message) {
        super(message);
        this.abandoned = abandoned;
    }

    /** True when the caller left (nobody reads the answer), false when the deadline passed. */
    public boolean abandoned() {
        return abandoned;
    }
}
