package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.gleaner.schema.EmbeddedPostgresExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Claims while tens of thousands of leases are live. Labelers claim the highest priorities first,
 * so the live leases are the best-ranked tasks: a claim that walks one priority order over pending
 * and leased tasks steps over every live lease (a heap fetch each, to read its expiry) before it
 * reaches a pending task (V1: 40,000 rows removed by filter per claim). Since V5 the claim
 * reads pending tasks and lapsed leases from two partial indexes and never reads a live lease;
 * the plan is checked for that, on fresh statistics here and without any in
 * {@link #theClaimPlanHoldsWithoutStatistics}. Measured on a {@link ScratchSchema}; prints the plan and the
 * claims per second and ends with a {@code RESULT claim-live-leases ...} line.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class TaskQueueLiveLeasesIT {
    private static final int TASKS = 50_000;
    private static final int LIVE_LEASES = 40_000;
    /** Lapsed leases ranked just below the live ones: the first claims must take them again. */
    private static final int LAPSED_LEASES = 100;
    private static final int CLAIMS = 1_000;

    @Test
    void aClaimFindsThePendingTasksAndLapsedLeasesWithoutSteppingOverLiveLeases(DataSource embedded)
            throws SQLException {
        try (ScratchSchema scratch = ScratchSchema.open(embedded, "gleaner_claimbench_")) {
            seed(scratch.dataSource());
            String plan = explainClaim(scratch.dataSource());
            System.out.println("claim plan with " + LIVE_LEASES + " live leases:\n" + plan);
            assertThat(plan).as("pending tasks come in priority order from their own index, lapsed leases from theirs")
                    .contains("Index Scan using edge_case_tasks_pending_ix", "edge_case_tasks_lease_expiry_ix")
                    .doesNotContain("Seq Scan on edge_case_tasks", "Rows Removed by Filter");

            HikariConfig config = new HikariConfig();
            config.setDataSource(scratch.dataSource());
            config.setMaximumPoolSize(1);
            List<Task> claimed = new ArrayList<>();
            double claimsPerSecond;
            try (HikariDataSource pool = new HikariDataSource(config)) {
                TaskQueue queue = new TaskQueue(pool);
                queue.ensureLabeler("claimer", "labeler");
                long start = System.nanoTime();
                for (int i = 0; i < CLAIMS; i++) {
                    claimed.addAll(queue.claim("claimer", 1, Duration.ofHours(1)));
                }
                claimsPerSecond = CLAIMS / ((System.nanoTime() - start) / 1e9);
            }
            System.out.printf(Locale.ROOT, "RESULT claim-live-leases claims_per_s=%.0f live_leases=%d tasks=%d where=%s%n",
                    claimsPerSecond, LIVE_LEASES, TASKS, scratch.where().replace(' ', '_'));

            // Priorities are the generated numbers: the lapsed leases first, then pending tasks, in order.
            assertThat(claimed).hasSize(CLAIMS);
            assertThat(claimed.stream().mapToDouble(Task::priority).toArray())
                    .containsExactly(IntStream.range(0, CLAIMS).mapToDouble(i -> TASKS - LIVE_LEASES - i).toArray());
        }
    }

    /**
     * Regression: a claim over a union of pending tasks and lapsed leases, joined back to the table
     * to lock it, was planned as a sort of every pending task while the table had no statistics
     * (as right after {@code bench queue} seeds it: 17 pairs/s); the claim must walk the pending
     * index in order and stop, whatever the estimates.
     */
    @Test
    void theClaimPlanHoldsWithoutStatistics(DataSource embedded) throws SQLException {
        try (ScratchSchema scratch = ScratchSchema.open(embedded, "gleaner_claimbench_")) {
            try (Connection c = scratch.dataSource().getConnection(); Statement st = c.createStatement()) {
                st.execute("ALTER TABLE edge_case_tasks SET (autovacuum_enabled = false)");
                st.execute(INSERT_TASKS.formatted(TASKS));
            }
            String plan = explainClaim(scratch.dataSource());

            assertThat(plan).contains("Index Scan using edge_case_tasks_pending_ix")
                    .doesNotContain("Bitmap Index Scan on edge_case_tasks_pending_ix", "Seq Scan on edge_case_tasks")
                    .as("who labeled a task is read from its row (V6): a claim never reads labels")
                    .doesNotContain(" on labels");
            TaskQueue queue = new TaskQueue(scratch.dataSource());
            queue.ensureLabeler("claimer", "labeler");
            assertThat(queue.claim("claimer", 3, Duration.ofMinutes(1)))
                    .extracting(Task::priority).containsExactly((double) TASKS, TASKS - 1.0, TASKS - 2.0);
        }
    }

    private static final String INSERT_TASKS = """
            INSERT INTO edge_case_tasks (frame_id, vehicle_id, capture_time, image_encoding, image_width,
                image_height, image_bytes, human_steering, human_accel, model_version, scene_probabilities,
                predicted_steering, predicted_accel, triggers, priority, harvested_at)
            SELECT 'live-' || g, 'vehicle-' || mod(g, 8), now(), 'IMAGE_ENCODING_PNG', 64, 64,
                   decode(repeat('ab', 2048), 'hex'), 0.1, 0.2, '1', '{"clear_road": 1.0}', -0.1, 0.3,
                   '[]', g, now()
            FROM generate_series(1, %d) g
            """;

    /**
     * Tasks ranked 1..{@value #TASKS} by priority; the best {@value #LIVE_LEASES} leased for an
     * hour, the {@value #LAPSED_LEASES} after them leased with a lease that ran out.
     */
    private static void seed(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute(INSERT_TASKS.formatted(TASKS));
            st.execute("""
                    UPDATE edge_case_tasks
                    SET state = 'leased', lease_owner = 'holder', lease_expires_at = now() + interval '1 hour',
                        attempts = 1
                    WHERE priority > %d
                    """.formatted(TASKS - LIVE_LEASES));
            st.execute("""
                    UPDATE edge_case_tasks
                    SET state = 'leased', lease_owner = 'gone', lease_expires_at = now() - interval '1 minute',
                        attempts = 1
                    WHERE priority > %d AND priority <= %d
                    """.formatted(TASKS - LIVE_LEASES - LAPSED_LEASES, TASKS - LIVE_LEASES));
            st.execute("VACUUM ANALYZE edge_case_tasks");
        }
    }

    /** The claim's plan as it ran, rolled back so that it claims nothing. */
    private static String explainClaim(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement st = c.prepareStatement(
                    "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + TaskQueue.claimStatement(1))) {
                st.setString(1, "explainer");
                st.setString(2, "explainer");
                st.setString(3, "explainer");
                st.setDouble(4, 60);
                StringBuilder plan = new StringBuilder();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
                return plan.toString();
            } finally {
                c.rollback();
            }
        }
    }
}
