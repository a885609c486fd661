package io.gleaner.queue;

import java.util.Arrays;
import java.util.List;

/**
 * Why a labeler skipped or flagged a task: the checked set of the {@code task_flags_reason_ck}
 * constraint. {@link #NO_CONSENSUS} is the queue's own reason, never a labeler's.
 */
public enum FlagReason {
    /** Nothing in the frame can be labeled (black, torn, overexposed). */
    UNLABELABLE("unlabelable"),
    /** The camera or its timing is broken: a fault to report, not a scene. */
    SENSOR_FAULT("sensor_fault"),
    /** The frame could be more than one scene class. */
    AMBIGUOUS_SCENE("ambiguous_scene"),
    /** The same moment as another task. */
    DUPLICATE("duplicate"),
    /** The frame shows something that must not be kept (faces, plates). */
    PRIVACY("privacy"),
    /** Anything else; say what in the note. */
    OTHER("other"),
    /** Set by the queue: the task reached its label cap without agreement. */
    NO_CONSENSUS("no_consensus");

    private final String code;

    FlagReason(String code) {
        this.code = code;
    }

    /** The value stored in {@code task_flags.reason} and used by the API. */
    public String code() {
        return code;
    }

    /** The reasons a labeler may give: every one but {@link #NO_CONSENSUS}. */
    public static List<String> labelerCodes() {
        return Arrays.stream(values()).filter(r -> r != NO_CONSENSUS).map(FlagReason::code).toList();
    }

    /**
     * The reason a labeler gave.
     *
     * @throws IllegalArgumentException if {@code code} is not one of {@link #labelerCodes()}
     */
    public static FlagReason fromLabeler(String code) {
        for (FlagReason reason : values()) {
            if (reason != NO_CONSENSUS && reason.code.equals(code)) {
                return reason;
            }
        }
        throw new IllegalArgumentException("reason '" + code + "' is unknown: use one of " + labelerCodes());
    }

    /** The reason stored as {@code code}; for reading rows back. */
    static FlagReason fromStored(String code) {
        for (FlagReason reason : values()) {
            if (reason.code.equals(code)) {
                return reason;
            }
        }
        throw new IllegalStateException("task_flags.reason '" + code + "' is not a known reason; migrate the database");
    }
}
