package io.gleaner.retrain;

/** The model registry could not do what was asked; the message says which version and why. */
public class RegistryException extends RuntimeException {

    public RegistryException(String message) {
        super(message);
    }

    public RegistryException(String message, Throwable cause) {
        super(message, cause);
    }
}
