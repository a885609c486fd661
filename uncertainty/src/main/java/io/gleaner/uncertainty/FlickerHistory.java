package io.gleaner.uncertainty;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One vehicle's recent frames as the {@link FlickerConfig flicker triggers} need them: the predicted
 * scene class of its last frames (oldest first), and the predicted and human action and record
 * time of the last one. Pure and serialisable, so the stage keeps one per vehicle in a store. Not
 * thread-safe.
 */
final class FlickerHistory {
    private int[] classes = new int[0];
    private float predSteer;
    private float predAccel;
    private float humanSteer;
    private float humanAccel;
    private long lastTimeMs = Long.MIN_VALUE;

    /**
     * Adds the vehicle's next frame and says which flicker triggers fire on it, each with a
     * priority contribution in (0, 1]: the scene flicker's share of possible changes in the window,
     * the action flicker's jump over the largest possible one.
     *
     * @param sceneClass the index of the frame's most probable scene class
     */
    List<Fired> observe(int sceneClass, float predSteer, float predAccel, float humanSteer, float humanAccel,
                        long timeMs, FlickerConfig config) {
        boolean consecutive = classes.length > 0 && timeMs >= lastTimeMs
                && timeMs - lastTimeMs <= config.maxGap().toMillis();
        List<Fired> fired = new ArrayList<>(0);
        if (consecutive) {
            int previous = classes[classes.length - 1];
            if (sceneClass != previous) {
                int flips = 1;
                int from = Math.max(1, classes.length - (config.window() - 2));
                for (int i = from; i < classes.length; i++) {
                    if (classes[i] != classes[i - 1]) {
                        flips++;
                    }
                }
                if (flips >= config.minFlips()) {
                    fired.add(new Fired(new FiredTrigger(FlickerConfig.SCENE_FLICKER, flips, config.minFlips()),
                            flips / (double) (config.window() - 1)));
                }
            }
            double predictedJump = Math.hypot(predSteer - this.predSteer, predAccel - this.predAccel);
            double humanJump = Math.hypot(humanSteer - this.humanSteer, humanAccel - this.humanAccel);
            if (predictedJump >= config.actionJump() && humanJump <= config.humanSmooth()) {
                fired.add(new Fired(new FiredTrigger(FlickerConfig.ACTION_FLICKER, predictedJump, config.actionJump()),
                        Math.min(1.0, predictedJump / FlickerConfig.ACTION_DIAMETER)));
            }
        }
        append(sceneClass, consecutive, config.window() - 1);
        this.predSteer = predSteer;
        this.predAccel = predAccel;
        this.humanSteer = humanSteer;
        this.humanAccel = humanAccel;
        this.lastTimeMs = timeMs;
        return fired;
    }

    /** A flicker trigger that fired, with what it adds to the edge case's priority. */
    record Fired(FiredTrigger trigger, double priority) {}

    /** Keeps the last {@code keep} classes, this one included; a gap starts the history afresh. */
    private void append(int sceneClass, boolean consecutive, int keep) {
        int held = consecutive ? Math.min(classes.length, keep - 1) : 0;
        int[] next = new int[held + 1];
        System.arraycopy(classes, classes.length - held, next, 0, held);
        next[held] = sceneClass;
        classes = next;
    }

    byte[] toBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(Integer.BYTES * (1 + classes.length) + 4 * Float.BYTES + Long.BYTES);
        buffer.putInt(classes.length);
        for (int c : classes) {
            buffer.putInt(c);
        }
        buffer.putFloat(predSteer).putFloat(predAccel).putFloat(humanSteer).putFloat(humanAccel).putLong(lastTimeMs);
        return buffer.array();
    }

    static FlickerHistory fromBytes(byte[] bytes) {
        FlickerHistory history = new FlickerHistory();
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        history.classes = new int[buffer.getInt()];
        for (int i = 0; i < history.classes.length; i++) {
            history.classes[i] = buffer.getInt();
        }
        history.predSteer = buffer.getFloat();
        history.predAccel = buffer.getFloat();
        history.humanSteer = buffer.getFloat();
        history.humanAccel = buffer.getFloat();
        history.lastTimeMs = buffer.getLong();
        return history;
    }
}
