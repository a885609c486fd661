package io.gleaner.retrain;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * When the retrain service starts a run: any combination of four triggers, checked in this order
 * so a run records the most specific reason:
 *
 * <ol>
 *   <li><b>manual</b>: an admin asked ({@code POST /api/v1/retrain}); runs even without new labels;
 *   <li><b>new labels</b>: at least {@link #minNewLabels()} labels since the last finished run;
 *   <li><b>drift</b>: the {@link DriftAlarm} sounds, some label arrived since the last finished run,
 *       and no run finished within the alarm's window (one run per drift episode, not one per label);
 *   <li><b>schedule</b>: {@link #every()} passed since the last finished run (or, before the first,
 *       since the live version was registered) and some label arrived since.
 * </ol>
 *
 * "Finished" means promoted or rejected: a failed run leaves its labels to trigger the next try.
 * Whatever fires, a run still waits until the gate has enough held-out labels to judge it.
 *
 * @param minNewLabels labels that start a run, 0 turns this trigger off
 * @param every the schedule's period, {@link Duration#ZERO} turns it off
 * @param drift the drift alarm, off unless {@link DriftAlarm#enabled()}
 * @param manual whether admin requests start runs
 */
public record RetrainTriggers(int minNewLabels, Duration every, DriftAlarm drift, boolean manual) {

    public RetrainTriggers {
        Objects.requireNonNull(every, "every");
        Objects.requireNonNull(drift, "drift");
        if (minNewLabels < 0) {
            throw new IllegalArgumentException("retrain.min-new-labels is " + minNewLabels
                    + "; it must be at least 1, or 0 to turn the new-labels trigger off");
        }
        if (every.isNegative() || (!every.isZero() && every.compareTo(Duration.ofMinutes(1)) < 0)) {
            throw new IllegalArgumentException("retrain.every is " + every
                    + "; it must be at least PT1M, or PT0S to turn the schedule off");
        }
        if (minNewLabels == 0 && every.isZero() && !drift.enabled() && !manual) {
            throw new IllegalArgumentException("every retrain trigger is off (min-new-labels 0, every PT0S, no drift"
                    + " alarm, no manual requests), so no run would ever start; turn at least one on");
        }
    }

    /** 100 new labels and admin requests; no schedule, no drift alarm. */
    public static RetrainTriggers defaults() {
        return new RetrainTriggers(100, Duration.ZERO, DriftAlarm.defaults(), true);
    }

    public RetrainTriggers withMinNewLabels(int newMinNewLabels) {
        return new RetrainTriggers(newMinNewLabels, every, drift, manual);
    }

    public RetrainTriggers withEvery(Duration newEvery) {
        return new RetrainTriggers(minNewLabels, newEvery, drift, manual);
    }

    public RetrainTriggers withDrift(DriftAlarm newDrift) {
        return new RetrainTriggers(minNewLabels, every, newDrift, manual);
    }

    public RetrainTriggers withManual(boolean newManual) {
        return new RetrainTriggers(minNewLabels, every, drift, newManual);
    }

    /** The first trigger that fires on {@code in}, in the order the class comment gives; empty when none does. */
    public Optional<TriggerDecision> decide(TriggerInputs in) {
        if (manual && !in.pendingRequests().isEmpty()) {
            String asked = in.pendingRequests().stream()
                    .map(r -> r.requestedBy() + ": " + r.reason())
                    .collect(Collectors.joining("; "));
            List<Long> ids = in.pendingRequests().stream().map(RetrainRequest::requestId).toList();
            return Optional.of(new TriggerDecision(RetrainTrigger.MANUAL, "manual: asked by " + asked, ids));
        }
        if (minNewLabels > 0 && in.newLabels() >= minNewLabels) {
            return fired(RetrainTrigger.NEW_LABELS, in.newLabels() + " new labels >= " + minNewLabels);
        }
        if (in.newLabels() == 0) {
            return Optional.empty();
        }
        if (drift.enabled() && (in.lastFinishedRun() == null
                || in.lastFinishedRun().isBefore(in.now().minus(drift.window())))) {
            Optional<String> alarm = drift.check(in.harvest());
            if (alarm.isPresent()) {
                return fired(RetrainTrigger.DRIFT, "drift: " + alarm.get() + "; " + in.newLabels() + " new labels");
            }
        }
        if (!every.isZero()) {
            Instant from = in.lastFinishedRun() == null ? in.liveSince() : in.lastFinishedRun();
            Duration since = Duration.between(from, in.now());
            if (since.compareTo(every) >= 0) {
                return fired(RetrainTrigger.SCHEDULE, "schedule: " + since.withNanos(0) + " since "
                        + (in.lastFinishedRun() == null ? "the live version was registered" : "the last finished run")
                        + " >= " + every + "; " + in.newLabels() + " new labels");
            }
        }
        return Optional.empty();
    }

    private static Optional<TriggerDecision> fired(RetrainTrigger trigger, String reason) {
        return Optional.of(new TriggerDecision(trigger, reason, List.of()));
    }
}
