package io.gleaner.queue.api;

/**
 * Who a bearer token belongs to: a registered labeler and its role.
 *
 * @param labelerId the labeler
 * @param role {@code labeler} (claims and labels) or {@code admin} (also exports, re-prioritises, purges)
 */
public record Caller(String labelerId, String role) {
    /** Whether this caller may use the admin routes. */
    public boolean isAdmin() {
        return "admin".equals(role);
    }
}
