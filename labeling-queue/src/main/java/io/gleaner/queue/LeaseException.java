package io.gleaner.queue;

/**
 * A labeler acted on a task it does not hold: the lease belongs to someone else, has expired, or
 * the task is not leased at all. The message says which; the remedy is to claim again.
 */
public class LeaseException extends TaskConflictException {
    private static final long serialVersionUID = 1L;

    public LeaseException(String message) {
        super(message);
    }
}
