package io.gleaner.app.demo;

import io.gleaner.ingest.sim.Truth;
import io.gleaner.queue.FlagReason;
import io.gleaner.queue.Label;
import io.gleaner.queue.Task;
import io.gleaner.queue.TaskQueue;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stand-in for a team of human labelers in the demo and the tests: it works the real queue
 * (claims with a lease, submits labels) but answers from the simulator's out-of-band truth.
 * Nothing in the engine reads that truth; only this oracle and the benchmarks do.
 */
public final class TruthOracleLabeler {
    private static final Logger LOG = LoggerFactory.getLogger(TruthOracleLabeler.class);
    public static final String LABELER_ID = "oracle-labeler";
    private static final int CLAIM_BATCH = 64;
    private static final Duration LEASE = Duration.ofMinutes(5);
    /** The note on a task the random-harvesting arm set aside. */
    static final String NOT_DRAWN = "not drawn: outside the random sample the label budget allows";

    private final TaskQueue queue;
    private final Supplier<Map<String, Truth>> truth;

    /** @param truth reads the current truth by frame id (re-read each pass, as frames keep coming) */
    public TruthOracleLabeler(TaskQueue queue, Supplier<Map<String, Truth>> truth) {
        this.queue = queue;
        this.truth = truth;
        queue.ensureLabeler(LABELER_ID, "labeler");
    }

    /** Labels every task it can claim now; returns how many it labeled. */
    public int labelAllPending() {
        Map<String, Truth> known = truth.get();
        int labeled = 0;
        while (true) {
            List<Task> claimed = queue.claim(LABELER_ID, CLAIM_BATCH, LEASE);
            if (claimed.isEmpty()) {
                return labeled;
            }
            int labeledThisBatch = 0;
            for (Task task : claimed) {
                Truth answer = known.get(task.frameId());
                if (answer == null) {
                    // Not a simulated frame: a human would have to label it; give the lease back.
                    LOG.warn("no truth for frame {}; releasing task {}", task.frameId(), task.taskId());
                    queue.release(task.taskId(), LABELER_ID);
                    continue;
                }
                queue.submitLabel(task.taskId(), LABELER_ID,
                        new Label(answer.scenario().label(), answer.steering(), answer.acceleration()));
                labeledThisBatch++;
            }
            labeled += labeledThisBatch;
            if (labeledThisBatch == 0) {
                return labeled;
            }
        }
    }

    /**
     * Labels the claimable tasks whose frame is in {@code drawn} and sets every other claimable
     * task aside unlabeled (skipped, reason {@code other}), so that exactly the drawn frames cost
     * labels and none is left to a later round. Returns how many it labeled.
     */
    public int labelDrawnSkipOthers(Set<String> drawn) {
        Map<String, Truth> known = truth.get();
        int labeled = 0;
        while (true) {
            List<Task> claimed = queue.claim(LABELER_ID, TaskQueue.MAX_CLAIM, LEASE);
            if (claimed.isEmpty()) {
                return labeled;
            }
            for (Task task : claimed) {
                Truth answer = known.get(task.frameId());
                if (answer != null && drawn.contains(task.frameId())) {
                    queue.submitLabel(task.taskId(), LABELER_ID,
                            new Label(answer.scenario().label(), answer.steering(), answer.acceleration()));
                    labeled++;
                } else {
                    queue.skip(task.taskId(), LABELER_ID, FlagReason.OTHER, NOT_DRAWN);
                }
            }
        }
    }
}
