package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.schema.EmbeddedPostgresExtension;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.Trigger;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedPostgresExtension.class)
class TeamReportIT {
    private static final Duration LEASE = Duration.ofMinutes(5);

    private TaskStore store;
    private TaskQueue queue;
    private TeamReport report;

    @BeforeEach
    void setUp(DataSource dataSource) {
        store = new TaskStore(dataSource);
        queue = new TaskQueue(dataSource, ConsensusConfig.agreeing(2, 3));
        report = new TeamReport(dataSource, queue.consensus());
        for (String labeler : new String[] {"alice", "bob", "carol"}) {
            queue.ensureLabeler(labeler, "labeler");
        }
    }

    @Test
    void modelVersionsComeOldestFirstWithParentStateAndMetrics(DataSource dataSource) throws Exception {
        try (var c = dataSource.getConnection(); var st = c.createStatement()) {
            st.execute("""
                    INSERT INTO model_versions (model_name, version, parent_version, artifact_uri, artifact_sha256,
                                                metrics, state, created_at) VALUES
                      ('driving', 1, NULL, 'file:///m/1', repeat('a', 64), '{}', 'retired', '2026-11-27T10:00:00Z'),
                      ('driving', 2, 1, 'file:///m/2', repeat('b', 64), '{"action_error": 0.2}', 'live', '2026-11-27T12:00:00Z')
                    """);
        }

        assertThat(report.modelVersions()).containsExactly(
                new TeamReport.ModelVersion("driving", 1, null, "retired", Instant.parse("2026-11-27T10:00:00Z"), "{}"),
                new TeamReport.ModelVersion("driving", 2, 1, "live", Instant.parse("2026-11-27T12:00:00Z"),
                        "{\"action_error\": 0.2}"));
    }

    @Test
    void depthCountsClaimableTasksPerTriggerFiredOnThem() {
        store.insert(EdgeCases.edgeCase("a", 3));
        store.insert(withEntropy(EdgeCases.edgeCase("b", 2)));
        store.insert(EdgeCases.edgeCase("leased", 9));
        queue.claim("alice", 1, LEASE);

        assertThat(report.depthByTrigger()).containsExactly(
                new TeamReport.TriggerDepth("action_disagreement", 2), new TeamReport.TriggerDepth("entropy", 1));
    }

    /**
     * The model (predicted steering 0.125, acceleration -0.5, most probable scene
     * pedestrian_crossing) is right on one task and wrong on the other; alice's labels are
     * compared with bob's, which completed both tasks (2 of 3 required).
     */
    @Test
    void precisionAgreementAndLabelsPerHourFollowTheLabels() {
        store.insert(EdgeCases.edgeCase("right", 2));
        store.insert(EdgeCases.edgeCase("wrong", 1));
        label("alice", new Label("pedestrian_crossing", 0.1f, -0.5f), new Label("clear_road", 0f, 0.5f));
        label("bob", new Label("pedestrian_crossing", 0.15f, -0.45f), new Label("clear_road", 0f, 0.5f));

        assertThat(report.precisionByTrigger())
                .containsExactly(new TeamReport.TriggerPrecision("action_disagreement", 2, 1));
        assertThat(report.precisionByTrigger().get(0).precision()).isEqualTo(0.5);
        assertThat(report.agreement()).containsExactly(new TeamReport.LabelerAgreement("alice", 2, 2));
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        assertThat(report.labelsPerHour(24)).singleElement()
                .satisfies(h -> assertThat(h.labels()).isEqualTo(4))
                .satisfies(h -> assertThat(h.hour()).isIn(hour, hour.minus(1, ChronoUnit.HOURS)));
        assertThatThrownBy(() -> report.labelsPerHour(0)).hasMessageContaining("1 .. 720");
    }

    /** {@code labeler} claims both tasks and labels them in priority order. */
    private void label(String labeler, Label first, Label second) {
        var tasks = queue.claim(labeler, 2, LEASE);
        queue.submit(tasks.get(0).taskId(), labeler, first);
        queue.submit(tasks.get(1).taskId(), labeler, second);
    }

    private static EdgeCase withEntropy(EdgeCase edgeCase) {
        return edgeCase.toBuilder()
                .addTriggers(Trigger.newBuilder().setName("entropy").setScore(2.0).setThreshold(1.5))
                .build();
    }
}
