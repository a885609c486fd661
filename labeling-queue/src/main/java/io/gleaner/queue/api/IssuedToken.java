package io.gleaner.queue.api;

/**
 * A token just created: the only time its secret exists outside the caller's hands.
 *
 * @param token the bearer token to give the labeler; not stored anywhere
 * @param sha256 its SHA-256 (hex), the id under which it is stored and can be revoked
 * @param caller whom it authenticates
 */
public record IssuedToken(String token, String sha256, Caller caller) {
    /** Never prints the secret, so a logged record leaks nothing. */
    @Override
    public String toString() {
        return "IssuedToken[sha256=" + sha256 + ", caller=" + caller + "]";
    }
}
