package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetrainTriggersTest {
    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    private static final DriftAlarm.HarvestCounts QUIET = new DriftAlarm.HarvestCounts(0, 0);
    /** 60 tasks in the last hour against 240 in the 24 hours before: 60/h against 10/h, 6x. */
    private static final DriftAlarm.HarvestCounts SURGE = new DriftAlarm.HarvestCounts(60, 240);
    private static final DriftAlarm DRIFT_ON = DriftAlarm.defaults().on();

    private static TriggerInputs inputs(long newLabels, Instant lastFinished, DriftAlarm.HarvestCounts harvest,
            RetrainRequest... requests) {
        return new TriggerInputs(NOW, newLabels, lastFinished, NOW.minus(Duration.ofDays(3)), harvest,
                List.of(requests));
    }

    private static RetrainRequest request(long id, String by, String reason) {
        return new RetrainRequest(id, by, reason, NOW.minusSeconds(60));
    }

    @Test
    void byDefaultOnlyNewLabelsAndAdminRequestsStartRuns() {
        RetrainTriggers triggers = RetrainTriggers.defaults();

        assertThat(triggers.decide(inputs(99, null, SURGE))).isEmpty();
        assertThat(triggers.decide(inputs(100, null, QUIET)).orElseThrow())
                .isEqualTo(new TriggerDecision(RetrainTrigger.NEW_LABELS, "100 new labels >= 100", List.of()));
        assertThat(triggers.decide(inputs(0, NOW, QUIET, request(4, "lead", "new firmware"))).orElseThrow().trigger())
                .isEqualTo(RetrainTrigger.MANUAL);
    }

    @Test
    void aManualRequestWinsOverEveryOtherTriggerAndAnswersEveryPendingRequest() {
        RetrainTriggers triggers = RetrainTriggers.defaults().withMinNewLabels(10).withDrift(DRIFT_ON);

        TriggerDecision decision = triggers.decide(inputs(500, null, SURGE,
                request(4, "lead", "new firmware"), request(7, "ops", "rain week"))).orElseThrow();

        assertThat(decision.trigger()).isEqualTo(RetrainTrigger.MANUAL);
        assertThat(decision.reason()).isEqualTo("manual: asked by lead: new firmware; ops: rain week");
        assertThat(decision.answeredRequests()).containsExactly(4L, 7L);
    }

    @Test
    void requestsAreIgnoredWhenTheManualTriggerIsOff() {
        RetrainTriggers triggers = RetrainTriggers.defaults().withManual(false);

        assertThat(triggers.decide(inputs(3, null, QUIET, request(1, "lead", "please")))).isEmpty();
    }

    @Test
    void theScheduleFiresEveryPeriodAfterTheLastFinishedRunButOnlyWithNewLabels() {
        RetrainTriggers triggers = RetrainTriggers.defaults().withMinNewLabels(0).withEvery(Duration.ofHours(6));

        assertThat(triggers.decide(inputs(5, NOW.minus(Duration.ofHours(5)), QUIET))).as("5 h after the run").isEmpty();
        assertThat(triggers.decide(inputs(0, NOW.minus(Duration.ofHours(7)), QUIET))).as("no new label").isEmpty();
        assertThat(triggers.decide(inputs(5, NOW.minus(Duration.ofHours(7)), QUIET)).orElseThrow())
                .isEqualTo(new TriggerDecision(RetrainTrigger.SCHEDULE,
                        "schedule: PT7H since the last finished run >= PT6H; 5 new labels", List.of()));
    }

    @Test
    void beforeAnyRunFinishedTheScheduleCountsFromTheLiveVersion() {
        RetrainTriggers triggers = RetrainTriggers.defaults().withMinNewLabels(0).withEvery(Duration.ofDays(2));

        TriggerDecision decision = triggers.decide(inputs(1, null, QUIET)).orElseThrow();

        assertThat(decision.reason()).isEqualTo(
                "schedule: PT72H since the live version was registered >= PT48H; 1 new labels");
    }

    @Test
    void newLabelsWinOverTheScheduleWhenBothFire() {
        RetrainTriggers triggers = RetrainTriggers.defaults().withMinNewLabels(20).withEvery(Duration.ofHours(1));

        assertThat(triggers.decide(inputs(20, NOW.minus(Duration.ofHours(2)), QUIET)).orElseThrow().trigger())
                .isEqualTo(RetrainTrigger.NEW_LABELS);
        assertThat(triggers.decide(inputs(19, NOW.minus(Duration.ofHours(2)), QUIET)).orElseThrow().trigger())
                .isEqualTo(RetrainTrigger.SCHEDULE);
    }

    @Test
    void driftFiresOnAHarvestSurgeWithNewLabelsOncePerWindow() {
        RetrainTriggers triggers = RetrainTriggers.defaults().withMinNewLabels(0).withDrift(DRIFT_ON);

        assertThat(triggers.decide(inputs(3, null, SURGE)).orElseThrow()).isEqualTo(new TriggerDecision(
                RetrainTrigger.DRIFT, "drift: harvest rate 60.0 tasks/h over the last PT1H is 6.0x the 10.0 tasks/h"
                        + " of the PT24H before (alarm at 3.0x); 3 new labels", List.of()));
        assertThat(triggers.decide(inputs(0, null, SURGE))).as("nothing new to train on").isEmpty();
        assertThat(triggers.decide(inputs(3, NOW.minus(Duration.ofMinutes(30)), SURGE)))
                .as("a run finished within the window answered this surge already").isEmpty();
        assertThat(triggers.decide(inputs(3, NOW.minus(Duration.ofMinutes(61)), SURGE))).isPresent();
    }

    @Test
    void theDriftAlarmNeedsTheFactorEnoughRecentTasksAndABaseline() {
        DriftAlarm alarm = DRIFT_ON;

        // 29 tasks in the hour against 240 in the day before: 29/h against 10/h is 2.9x, under 3x.
        assertThat(alarm.check(new DriftAlarm.HarvestCounts(29, 240))).isEmpty();
        assertThat(alarm.check(new DriftAlarm.HarvestCounts(30, 240))).isPresent();
        // 19 tasks against 24 a day (1/h) is 19x, but under the 20 recent tasks asked for.
        assertThat(alarm.check(new DriftAlarm.HarvestCounts(19, 24))).isEmpty();
        assertThat(alarm.check(new DriftAlarm.HarvestCounts(500, 0))).as("no baseline to compare with").isEmpty();
        assertThat(DriftAlarm.defaults().check(SURGE)).as("off").isEmpty();
    }

    @Test
    void invalidSettingsAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> RetrainTriggers.defaults().withMinNewLabels(0).withManual(false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("every retrain trigger is off");
        assertThatThrownBy(() -> RetrainTriggers.defaults().withEvery(Duration.ofSeconds(5)))
                .hasMessageContaining("retrain.every is PT5S");
        assertThatThrownBy(() -> RetrainTriggers.defaults().withMinNewLabels(-1))
                .hasMessageContaining("retrain.min-new-labels is -1");
        assertThatThrownBy(() -> new DriftAlarm(true, Duration.ofHours(2), Duration.ofHours(1), 3, 20))
                .hasMessageContaining("retrain.drift.baseline is PT1H");
        assertThatThrownBy(() -> new DriftAlarm(true, Duration.ofHours(1), Duration.ofHours(24), 1.0, 20))
                .hasMessageContaining("retrain.drift.factor is 1.0");
    }
}
