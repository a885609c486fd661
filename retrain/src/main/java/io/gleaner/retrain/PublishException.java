package io.gleaner.retrain;

/** A model update did not become durable on the broker; the message says which and what to do. */
public class PublishException extends RuntimeException {

    public PublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
