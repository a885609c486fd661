package io.gleaner.queue;

/**
 * No task has the given id. Extends {@link IllegalArgumentException} because an unknown id is
 * bad input to the queue; the API answers it with 404.
 */
public class TaskNotFoundException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public TaskNotFoundException(long taskId, String hint) {
        super("task " + taskId + " does not exist: " + hint);
    }
}
