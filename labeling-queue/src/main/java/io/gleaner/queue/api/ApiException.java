package io.gleaner.queue.api;

/**
 * A request the API refuses, with the HTTP status, a stable error code a client can switch on,
 * and a reason a person can act on. Sent as {@code {"error": code, "reason": reason}}.
 */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String error;

    ApiException(int status, String error, String reason) {
        super(reason);
        this.status = status;
        this.error = error;
    }

    int status() {
        return status;
    }

    String error() {
        return error;
    }

    static ApiException unauthorized(String reason) {
        return new ApiException(401, "unauthorized", reason);
    }

    static ApiException forbidden(String reason) {
        return new ApiException(403, "forbidden", reason);
    }

    static ApiException notFound(String reason) {
        return new ApiException(404, "not_found", reason);
    }

    static ApiException invalid(String reason) {
        return new ApiException(422, "invalid", reason);
    }
}
