package io.gleaner.retrain.ssl;

/** Receives pretraining progress. Both methods run on the training thread. */
public interface PretrainListener {
    /** A progress line: epoch, loss, images/s, ETA (several per epoch). */
    default void progress(String line) {}

    /** An epoch finished and its checkpoint is on disk. */
    default void epochDone(EpochRecord record) {}
}
