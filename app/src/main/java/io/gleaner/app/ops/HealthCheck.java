package io.gleaner.app.ops;

import java.util.Map;

/**
 * One part of a role's {@code /health}: Kafka Streams state, database reachability, the model
 * served. Called on the HTTP thread for each request, so it must answer from memory, never block.
 */
@FunctionalInterface
public interface HealthCheck {
    /** What the check sees now. */
    Result check();

    /**
     * @param healthy false makes the role's {@code /health} answer 503
     * @param details what the check saw (state names, versions, the last error), shown as JSON
     */
    record Result(boolean healthy, Map<String, Object> details) {
        public Result {
            details = Map.copyOf(details);
        }

        public static Result up(Map<String, Object> details) {
            return new Result(true, details);
        }

        public static Result down(Map<String, Object> details) {
            return new Result(false, details);
        }
    }
}
