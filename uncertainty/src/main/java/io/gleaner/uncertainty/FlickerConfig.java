package io.gleaner.uncertainty;

import java.time.Duration;
import java.util.Objects;

/**
 * The temporal "flicker" triggers, per vehicle over its consecutive frames (frames are video):
 * <ul>
 *   <li>{@value #SCENE_FLICKER} fires on a frame whose predicted scene class (the arg-max) differs
 *       from the previous frame's, when that makes at least {@code minFlips} such changes among the
 *       last {@code window} frames: the model cannot make up its mind about a scene that is not
 *       changing that fast. Score: the changes in the window; threshold: {@code minFlips}.
 *   <li>{@value #ACTION_FLICKER} fires on a frame whose predicted action moved at least
 *       {@code actionJump} (Euclidean, in (steering, acceleration)) from the previous frame's while
 *       the human's moved at most {@code humanSmooth}: the model jumps where the driver is smooth.
 *       Score: the predicted jump; threshold: {@code actionJump}.
 * </ul>
 * A vehicle's history restarts after a gap longer than {@code maxGap} between its frames (by record
 * time), so frames of two drives are not taken for consecutive ones.
 *
 * @param enabled whether the triggers run ({@code selection.flicker.enabled})
 * @param window how many of the vehicle's latest frames, this one included, count flips, in
 *     [3, {@value #MAX_WINDOW}] ({@code selection.flicker.window})
 * @param minFlips class changes in the window at which {@value #SCENE_FLICKER} fires, in
 *     [2, window − 1] ({@code selection.flicker.min-flips})
 * @param actionJump predicted-action change at which {@value #ACTION_FLICKER} fires, in (0, 2√2]
 *     ({@code selection.flicker.action-jump})
 * @param humanSmooth the largest human-action change that still counts as smooth, at least 0 and
 *     below {@code actionJump} ({@code selection.flicker.human-smooth})
 * @param maxGap the longest gap between two frames of a vehicle that still makes them consecutive,
 *     positive ({@code selection.flicker.max-gap})
 */
public record FlickerConfig(boolean enabled, int window, int minFlips, double actionJump, double humanSmooth,
        Duration maxGap) {
    /** The name of the scene-class flicker trigger. */
    public static final String SCENE_FLICKER = "scene-flicker";
    /** The name of the predicted-action flicker trigger. */
    public static final String ACTION_FLICKER = "action-flicker";
    /** Largest {@code window}: the history is kept per vehicle in a store and rewritten every frame. */
    public static final int MAX_WINDOW = 64;
    /** The largest action distance, from (-1, -1) to (1, 1). */
    static final double ACTION_DIAMETER = 2.0 * Math.sqrt(2.0);

    /** Validates every field; the message names the setting and its allowed range. */
    public FlickerConfig {
        Objects.requireNonNull(maxGap, "maxGap");
        if (window < 3 || window > MAX_WINDOW) {
            throw new IllegalArgumentException("selection.flicker.window is " + window + "; it must be in [3, "
                    + MAX_WINDOW + "] frames");
        }
        if (minFlips < 2 || minFlips > window - 1) {
            throw new IllegalArgumentException("selection.flicker.min-flips is " + minFlips + "; it must be in [2, "
                    + (window - 1) + "] (a window of " + window + " frames holds at most " + (window - 1) + " changes)");
        }
        if (!(actionJump > 0.0 && actionJump <= ACTION_DIAMETER)) {
            throw new IllegalArgumentException("selection.flicker.action-jump is " + actionJump
                    + "; it must be in (0, 2√2], e.g. 0.5");
        }
        if (!(humanSmooth >= 0.0 && humanSmooth < actionJump)) {
            throw new IllegalArgumentException("selection.flicker.human-smooth is " + humanSmooth
                    + "; it must be at least 0 and below selection.flicker.action-jump=" + actionJump);
        }
        if (maxGap.isNegative() || maxGap.isZero()) {
            throw new IllegalArgumentException("selection.flicker.max-gap is " + maxGap + "; it must be positive, e.g. PT2S");
        }
    }

    /**
     * Off, with the settings it would use when switched on: 3 class changes among the last 8
     * frames (A B A B), an action jump of 0.5 while the human moved at most 0.1, frames at most 2 s
     * apart. Off by default because the simulator's frames of one vehicle are independent scenes,
     * not video, and would flicker by construction.
     */
    public static FlickerConfig defaults() {
        return new FlickerConfig(false, 8, 3, 0.5, 0.1, Duration.ofSeconds(2));
    }

    /** These settings, switched on. */
    public FlickerConfig on() {
        return new FlickerConfig(true, window, minFlips, actionJump, humanSmooth, maxGap);
    }
}
