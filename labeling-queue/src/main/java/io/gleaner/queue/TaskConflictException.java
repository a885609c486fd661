package io.gleaner.queue;

/**
 * The task exists but is in a state that does not allow the operation: it is labeled, leased to
 * someone else, set aside, or has labels an operation would lose. The message says which state and
 * what to do instead. The API answers it with 409.
 */
public class TaskConflictException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TaskConflictException(String message) {
        super(message);
    }
}
