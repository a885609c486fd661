package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gleaner.schema.EmbeddedPostgresExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedPostgresExtension.class)
class TaskQueueIT {
    private static final Duration LONG_LEASE = Duration.ofMinutes(5);
    /** Short enough to wait out, long enough that a slow CI machine does not expire it mid-test. */
    private static final Duration SHORT_LEASE = Duration.ofSeconds(2);
    private static final Label LABEL = new Label("pedestrian_crossing", 0.0f, -1.0f);

    private DataSource dataSource;
    private TaskStore store;
    private TaskQueue queue;

    @BeforeEach
    void setUp(DataSource dataSource) {
        this.dataSource = dataSource;
        this.store = new TaskStore(dataSource);
        this.queue = new TaskQueue(dataSource);
        queue.ensureLabeler("alice", "labeler");
        queue.ensureLabeler("bob", "labeler");
    }

    @Test
    void claimsHighestPriorityFirstThenOldestTask() {
        store.insert(EdgeCases.edgeCase("low", 0.1));
        store.insert(EdgeCases.edgeCase("high", 0.9));
        store.insert(EdgeCases.edgeCase("mid-a", 0.5));
        store.insert(EdgeCases.edgeCase("mid-b", 0.5));

        List<Task> first = queue.claim("alice", 3, LONG_LEASE);
        List<Task> rest = queue.claim("alice", 3, LONG_LEASE);

        assertThat(first).extracting(Task::frameId).containsExactly("high", "mid-a", "mid-b");
        assertThat(rest).extracting(Task::frameId).containsExactly("low");
    }

    @Test
    void aClaimedTaskCarriesTheFrameAndTheLease() {
        store.insert(EdgeCases.edgeCase("frame-1", 0.7));
        Instant before = Instant.now();

        Task task = queue.claim("alice", 1, LONG_LEASE).get(0);

        assertThat(task.frameId()).isEqualTo("frame-1");
        assertThat(task.vehicleId()).isEqualTo("vehicle-3");
        assertThat(task.imageEncoding()).isEqualTo("IMAGE_ENCODING_PNG");
        assertThat(task.width()).isEqualTo(64);
        assertThat(task.height()).isEqualTo(48);
        assertThat(task.imageBytes()).isEqualTo(EdgeCases.imageBytes("frame-1"));
        assertThat(task.humanSteering()).isEqualTo(-0.25f);
        assertThat(task.humanAcceleration()).isEqualTo(0.5f);
        assertThat(task.modelVersion()).isEqualTo("7");
        assertThat(task.priority()).isEqualTo(0.7);
        assertThat(task.leaseExpiresAt())
                .isBetween(before.plus(LONG_LEASE).minusSeconds(5), before.plus(LONG_LEASE).plusSeconds(5));
    }

    @Test
    void aLeasedTaskIsNotClaimableByAnotherLabelerUntilTheLeaseExpires() throws SQLException {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        Task leased = queue.claim("alice", 1, SHORT_LEASE).get(0);

        assertThat(queue.claim("bob", 1, LONG_LEASE)).isEmpty();

        List<Task> reclaimed = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> queue.claim("bob", 1, LONG_LEASE), tasks -> !tasks.isEmpty());
        assertThat(reclaimed).extracting(Task::taskId).containsExactly(leased.taskId());
        assertThat(longValue("SELECT attempts FROM edge_case_tasks")).isEqualTo(2);
        assertThat(stringValue("SELECT lease_owner FROM edge_case_tasks")).isEqualTo("bob");
        assertThatThrownBy(() -> queue.submitLabel(leased.taskId(), "alice", LABEL))
                .isInstanceOf(LeaseException.class)
                .hasMessageContaining("leased to bob");
    }

    @Test
    void theOwnerCannotLabelAfterItsLeaseExpired() throws SQLException {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        Task task = queue.claim("alice", 1, SHORT_LEASE).get(0);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> queue.stats().pending() == 1);

        assertThatThrownBy(() -> queue.submitLabel(task.taskId(), "alice", LABEL))
                .isInstanceOf(LeaseException.class)
                .hasMessageContaining("expired")
                .hasMessageContaining("claim again");
        assertThat(longValue("SELECT count(*) FROM labels")).isZero();
    }

    @Test
    void theSweepReturnsOnlyLeasesLapsedLongerThanTheGraceAndTheirHoldersAreStillRefused() throws SQLException {
        for (int i = 1; i <= 4; i++) {
            store.insert(EdgeCases.edgeCase("frame-" + i, 1.0 - i / 10.0));
        }
        List<Task> lapsing = queue.claim("alice", 3, SHORT_LEASE);
        Task live = queue.claim("bob", 1, LONG_LEASE).get(0);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> queue.stats().pending() == 3);

        assertThat(queue.returnLapsedLeases(Duration.ofMinutes(1), 100)).as("lapsed, but within the grace").isZero();
        assertThat(longValue("SELECT count(*) FROM edge_case_tasks WHERE state = 'leased'")).isEqualTo(4);

        assertThat(queue.returnLapsedLeases(Duration.ZERO, 2)).as("at most max, the oldest first").isEqualTo(2);
        assertThat(queue.returnLapsedLeases(Duration.ZERO, 100)).isEqualTo(1);
        assertThat(queue.returnLapsedLeases(Duration.ZERO, 100)).isZero();
        assertThat(longValue("SELECT count(*) FROM edge_case_tasks WHERE state = 'pending' AND lease_owner IS NULL"
                + " AND lease_expires_at IS NULL")).isEqualTo(3);
        assertThat(stringValue("SELECT lease_owner FROM edge_case_tasks WHERE state = 'leased'")).isEqualTo("bob");
        assertThatThrownBy(() -> queue.submitLabel(lapsing.get(0).taskId(), "alice", LABEL))
                .isInstanceOf(LeaseException.class)
                .hasMessageContaining("not leased to alice");
        queue.submitLabel(live.taskId(), "bob", LABEL);
        assertThat(queue.claim("carol", 5, LONG_LEASE)).extracting(Task::taskId)
                .containsExactlyInAnyOrderElementsOf(lapsing.stream().map(Task::taskId).toList());
        assertThatThrownBy(() -> queue.returnLapsedLeases(Duration.ofSeconds(-1), 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void submitByANonOwnerFailsAndWritesNothing() throws SQLException {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        Task task = queue.claim("alice", 1, LONG_LEASE).get(0);

        assertThatThrownBy(() -> queue.submitLabel(task.taskId(), "bob", LABEL))
                .isInstanceOf(LeaseException.class)
                .hasMessageContaining("task " + task.taskId() + " is leased to alice")
                .hasMessageContaining("not to bob");

        assertThat(longValue("SELECT count(*) FROM labels")).isZero();
        assertThat(stringValue("SELECT state::text FROM edge_case_tasks")).isEqualTo("leased");
        assertThat(stringValue("SELECT lease_owner FROM edge_case_tasks")).isEqualTo("alice");
    }

    @Test
    void submitOfAnUnclaimedOrUnknownTaskFails() throws SQLException {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        long taskId = longValue("SELECT task_id FROM edge_case_tasks");

        assertThatThrownBy(() -> queue.submitLabel(taskId, "alice", LABEL))
                .isInstanceOf(LeaseException.class)
                .hasMessageContaining("is pending, not leased to alice");
        assertThatThrownBy(() -> queue.submitLabel(999L, "alice", LABEL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("task 999 does not exist");
    }

    @Test
    void submitLabelStoresTheLabelAndEndsTheLease() throws SQLException {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        Task task = queue.claim("alice", 1, LONG_LEASE).get(0);

        long labelId = queue.submitLabel(task.taskId(), "alice", new Label("stopped_vehicle", -0.5f, -1f));

        assertThat(labelId).isPositive();
        assertThat(stringValue("SELECT state::text || ' ' || coalesce(lease_owner, 'none')"
                + " || ' ' || coalesce(lease_expires_at::text, 'none') FROM edge_case_tasks"))
                .isEqualTo("labeled none none");
        assertThat(stringValue("SELECT labeler_id || ' ' || scene || ' ' || steering || ' ' || acceleration"
                + " FROM labels")).isEqualTo("alice stopped_vehicle -0.5 -1");
        assertThatThrownBy(() -> queue.submitLabel(task.taskId(), "alice", LABEL))
                .isInstanceOf(LeaseException.class)
                .hasMessageContaining("is labeled");
    }

    @Test
    void labeledTasksAreNeverClaimedAgain() {
        store.insert(EdgeCases.edgeCase("frame-1", 0.9));
        store.insert(EdgeCases.edgeCase("frame-2", 0.1));
        Task first = queue.claim("alice", 1, SHORT_LEASE).get(0);
        queue.submitLabel(first.taskId(), "alice", LABEL);

        List<Task> next = queue.claim("bob", 10, LONG_LEASE);

        assertThat(next).extracting(Task::frameId).containsExactly("frame-2");
        assertThat(queue.claim("bob", 10, LONG_LEASE)).isEmpty();
    }

    @Test
    void aReleasedTaskIsClaimableAtOnce() {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        Task task = queue.claim("alice", 1, LONG_LEASE).get(0);

        assertThat(queue.release(task.taskId(), "bob")).isFalse();
        assertThat(queue.release(task.taskId(), "alice")).isTrue();
        assertThat(queue.release(task.taskId(), "alice")).isFalse();

        assertThat(queue.claim("bob", 1, LONG_LEASE)).extracting(Task::taskId).containsExactly(task.taskId());
    }

    @Test
    void labeledAfterReturnsLabelsInAscendingOrderWithTheirImages() {
        for (int i = 1; i <= 4; i++) {
            store.insert(EdgeCases.edgeCase("frame-" + i, 1.0 - i / 10.0));
        }
        List<Task> tasks = queue.claim("alice", 4, LONG_LEASE);
        long first = queue.submitLabel(tasks.get(2).taskId(), "alice", new Label("clear_road", 0f, 0.5f));
        long second = queue.submitLabel(tasks.get(0).taskId(), "alice", new Label("stopped_vehicle", 0f, -1f));
        long third = queue.submitLabel(tasks.get(3).taskId(), "alice", new Label("pedestrian_crossing", 0.25f, -1f));

        List<LabeledExample> all = queue.labeledAfter(0, TaskQueue.MAX_LABELED_PAGE);
        List<LabeledExample> after = queue.labeledAfter(first, TaskQueue.MAX_LABELED_PAGE);

        assertThat(all).extracting(LabeledExample::labelId).containsExactly(first, second, third);
        assertThat(all).extracting(LabeledExample::frameId).containsExactly("frame-3", "frame-1", "frame-4");
        assertThat(after).extracting(LabeledExample::labelId).containsExactly(second, third);
        LabeledExample example = all.get(0);
        assertThat(example.taskId()).isEqualTo(tasks.get(2).taskId());
        assertThat(example.imageEncoding()).isEqualTo("IMAGE_ENCODING_PNG");
        assertThat(example.width()).isEqualTo(64);
        assertThat(example.height()).isEqualTo(48);
        assertThat(example.imageBytes()).isEqualTo(EdgeCases.imageBytes("frame-3"));
        assertThat(example.scene()).isEqualTo("clear_road");
        assertThat(example.steering()).isEqualTo(0f);
        assertThat(example.acceleration()).isEqualTo(0.5f);
        assertThat(queue.labeledAfter(third, TaskQueue.MAX_LABELED_PAGE)).isEmpty();
    }

    @Test
    void statsCountEachStateAndTheLabels() {
        for (int i = 1; i <= 5; i++) {
            store.insert(EdgeCases.edgeCase("frame-" + i, i));
        }
        List<Task> claimed = queue.claim("alice", 3, LONG_LEASE);
        queue.submitLabel(claimed.get(0).taskId(), "alice", LABEL);

        assertThat(queue.stats()).isEqualTo(new QueueStats(2, 2, 1, 0, 1));
    }

    @Test
    void ensureLabelerUpsertsTheRoleAndRejectsUnknownRoles() throws SQLException {
        queue.ensureLabeler("carol", "labeler");
        queue.ensureLabeler("carol", "admin");

        assertThat(stringValue("SELECT role::text FROM labelers WHERE labeler_id = 'carol'")).isEqualTo("admin");
        assertThatThrownBy(() -> queue.ensureLabeler("carol", "root"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("role 'root' is unknown");
    }

    @Test
    void anUnregisteredLabelerCannotSubmitAndTheLeaseSurvives() throws SQLException {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        Task task = queue.claim("mallory", 1, LONG_LEASE).get(0);

        assertThatThrownBy(() -> queue.submitLabel(task.taskId(), "mallory", LABEL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("labeler mallory is not registered");
        assertThat(stringValue("SELECT state::text FROM edge_case_tasks")).isEqualTo("leased");
        assertThat(longValue("SELECT count(*) FROM labels")).isZero();
    }

    @Test
    void claimRejectsANonPositiveLeaseOrCount() {
        assertThatThrownBy(() -> queue.claim("alice", 1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a lease must be positive");
        assertThatThrownBy(() -> queue.claim("alice", 0, LONG_LEASE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
    }

    @Test
    void claimRejectsMoreThanTheCapAndSaysWhatToDo() {
        assertThatThrownBy(() -> queue.claim("alice", TaskQueue.MAX_CLAIM + 1, LONG_LEASE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most " + TaskQueue.MAX_CLAIM)
                .hasMessageContaining("claim again");
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        assertThat(queue.claim("alice", TaskQueue.MAX_CLAIM, LONG_LEASE)).hasSize(1);
    }

    @Test
    void labeledAfterPagesByLimitInLabelIdOrder() {
        for (int i = 1; i <= 5; i++) {
            store.insert(EdgeCases.edgeCase("frame-" + i, i));
        }
        List<Long> ids = queue.claim("alice", 5, LONG_LEASE).stream()
                .map(t -> queue.submitLabel(t.taskId(), "alice", LABEL))
                .toList();

        List<LabeledExample> first = queue.labeledAfter(0, 2);
        List<LabeledExample> second = queue.labeledAfter(first.get(1).labelId(), 2);
        List<LabeledExample> last = queue.labeledAfter(second.get(1).labelId(), 2);

        assertThat(first).extracting(LabeledExample::labelId).containsExactly(ids.get(0), ids.get(1));
        assertThat(second).extracting(LabeledExample::labelId).containsExactly(ids.get(2), ids.get(3));
        assertThat(last).extracting(LabeledExample::labelId).containsExactly(ids.get(4));
        assertThat(queue.labeledAfter(ids.get(4), TaskQueue.MAX_LABELED_PAGE)).isEmpty();
        assertThatThrownBy(() -> queue.labeledAfter(0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 .. 10000");
        assertThatThrownBy(() -> queue.labeledAfter(0, TaskQueue.MAX_LABELED_PAGE + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 .. 10000");
    }

    /** Regression: a failing rollback replaced the LeaseException that caused it. */
    @Test
    void aFailingRollbackDoesNotHideTheOriginalError() {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        TaskQueue brokenRollback = new TaskQueue(rollbackFails(dataSource));

        // A heartbeat runs in a transaction; a submit of a single-label task is one statement, no rollback.
        assertThatThrownBy(() -> brokenRollback.heartbeat(taskIdOfOnlyTask(), "alice", LONG_LEASE))
                .isInstanceOf(LeaseException.class)
                .hasMessageContaining("not leased to alice")
                .satisfies(e -> assertThat(e.getSuppressed())
                        .singleElement()
                        .satisfies(s -> assertThat(s).hasMessageContaining("rollback refused")));
    }

    /**
     * Claims commit without waiting for the disk, so a database crash can forget one the labeler
     * was told about: the row is back as it was before the claim. Then another labeler may claim
     * the task; the first one's submit must be refused so that the task gets one label.
     */
    @Test
    void aClaimForgottenInACrashIsRefusedAtSubmitAndTheTaskGetsOneLabel() throws SQLException {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        Task forgotten = queue.claim("alice", 1, LONG_LEASE).get(0);
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            // What recovery leaves when the claim's commit record never reached the disk.
            st.executeUpdate("UPDATE edge_case_tasks SET state = 'pending', lease_owner = NULL,"
                    + " lease_expires_at = NULL, attempts = attempts - 1");
        }
        Task reclaimed = queue.claim("bob", 1, LONG_LEASE).get(0);
        assertThat(reclaimed.taskId()).isEqualTo(forgotten.taskId());

        assertThatThrownBy(() -> queue.submitLabel(forgotten.taskId(), "alice", LABEL))
                .isInstanceOf(LeaseException.class)
                .hasMessageContaining("is leased to bob")
                .hasMessageContaining("not to alice");
        queue.submitLabel(reclaimed.taskId(), "bob", LABEL);

        assertThat(stringValue("SELECT string_agg(labeler_id, ',') FROM labels")).isEqualTo("bob");
        assertThat(stringValue("SELECT state::text FROM edge_case_tasks")).isEqualTo("labeled");
    }

    /**
     * A claim and a heartbeat turn {@code synchronous_commit} off for their own transaction only:
     * on a pooled connection the next submit must still wait for the disk.
     */
    @Test
    void claimsAndHeartbeatsCommitAsynchronouslyButLeaveTheConnectionDurable() throws SQLException {
        store.insert(EdgeCases.edgeCase("frame-1", 0.5));
        try (Connection shared = dataSource.getConnection(); Statement st = shared.createStatement()) {
            st.execute("SET synchronous_commit = on");
            TaskQueue onShared = new TaskQueue(sameConnection(shared));

            shared.setAutoCommit(false);
            Task task = onShared.claim("alice", 1, LONG_LEASE).get(0);
            assertThat(setting(shared)).as("inside the claim's transaction").isEqualTo("off");
            shared.commit();
            assertThat(setting(shared)).as("after the claim").isEqualTo("on");

            onShared.heartbeat(task.taskId(), "alice", LONG_LEASE);
            assertThat(setting(shared)).as("after the heartbeat").isEqualTo("on");

            shared.setAutoCommit(false);
            onShared.submitLabel(task.taskId(), "alice", LABEL);
            assertThat(setting(shared)).as("inside the submit's transaction").isEqualTo("on");
            shared.commit();
        }
        assertThat(longValue("SELECT count(*) FROM labels")).isOne();
    }

    /**
     * Regression: a bound LIMIT made PostgreSQL cost the claim's generic plan as if it locked a
     * tenth of the table, so every claim was planned afresh (0.3 ms, more than running it). On a
     * pooled connection the prepared claim and submit must run on their cached generic plans.
     */
    @Test
    void claimsAndSubmitsRunOnCachedPlans() throws SQLException {
        int rounds = 15;
        for (int i = 0; i < rounds; i++) {
            store.insert(EdgeCases.edgeCase("frame-" + i, i));
        }
        try (Connection shared = dataSource.getConnection()) {
            TaskQueue onShared = new TaskQueue(sameConnection(shared));
            for (int i = 0; i < rounds; i++) {
                Task task = onShared.claim("alice", 1, LONG_LEASE).get(0);
                onShared.submitLabel(task.taskId(), "alice", LABEL);
            }
            try (Statement st = shared.createStatement();
                    ResultSet rs = st.executeQuery("SELECT statement, generic_plans, custom_plans"
                            + " FROM pg_prepared_statements WHERE statement LIKE 'WITH%'")) {
                Map<String, Long> genericPlans = new HashMap<>();
                while (rs.next()) {
                    String statement = rs.getString(1);
                    String name = statement.contains("claimable AS") ? "claim"
                            : statement.contains("INSERT INTO labels") ? "submit" : statement;
                    genericPlans.put(name, rs.getLong(2));
                }
                assertThat(genericPlans).as("generic plans run per prepared statement")
                        .hasEntrySatisfying("claim", n -> assertThat(n).isPositive())
                        .hasEntrySatisfying("submit", n -> assertThat(n).isPositive());
            }
        }
    }

    private static String setting(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW synchronous_commit")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Hands out {@code connection} every time and never closes it, as a pool hands back a used one. */
    private static DataSource sameConnection(Connection connection) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (ds, dsMethod, dsArgs) -> {
                    if (!dsMethod.getName().equals("getConnection")) {
                        throw new UnsupportedOperationException(dsMethod.getName());
                    }
                    return Proxy.newProxyInstance(Connection.class.getClassLoader(),
                            new Class<?>[] {Connection.class}, (c, method, args) -> {
                                if (method.getName().equals("close")) {
                                    return null;
                                }
                                return invoke(connection, method, args);
                            });
                });
    }

    /**
     * Regression: label ids are handed out in insert order but were visible in commit order, so a
     * reader paging by id could pass over a label that committed late. While one submit is in
     * flight, a later one commits (submits do not wait for each other), but the feed waits for the
     * earlier one and then returns both, in id order.
     */
    @Test
    void theFeedNeverReadsPastAnEarlierInFlightLabel() throws Exception {
        store.insert(EdgeCases.edgeCase("frame-1", 2));
        store.insert(EdgeCases.edgeCase("frame-2", 1));
        List<Task> tasks = queue.claim("alice", 2, LONG_LEASE);
        try (Connection inFlight = dataSource.getConnection()) {
            inFlight.setAutoCommit(false);
            // What submit writes, left uncommitted.
            long earlier;
            try (PreparedStatement st = inFlight.prepareStatement(TaskQueue.INSERT_LABEL)) {
                st.setLong(1, TaskQueue.LABEL_ORDER_LOCK_KEY);
                st.setLong(2, tasks.get(0).taskId());
                st.setString(3, "alice");
                st.setString(4, "clear_road");
                st.setFloat(5, 0f);
                st.setFloat(6, 0f);
                st.setString(7, null);
                st.setBoolean(8, true);
                st.setString(9, "labeled");
                st.setLong(10, tasks.get(0).taskId());
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    earlier = rs.getLong(1);
                }
            }
            long laterId = CompletableFuture.supplyAsync(
                    () -> queue.submitLabel(tasks.get(1).taskId(), "alice", LABEL)).get(10, TimeUnit.SECONDS);
            assertThat(laterId).isGreaterThan(earlier);
            assertThat(longValue("SELECT count(*) FROM labels")).as("the later label is committed").isEqualTo(1);

            CompletableFuture<List<LabeledExample>> feed = CompletableFuture.supplyAsync(() -> queue.labeledAfter(0, 10));
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> !feed.isDone());

            inFlight.commit();
            assertThat(feed.get(10, TimeUnit.SECONDS)).extracting(LabeledExample::labelId)
                    .containsExactly(earlier, laterId);
        }
    }

    private long taskIdOfOnlyTask() {
        try {
            return longValue("SELECT task_id FROM edge_case_tasks");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code dataSource}, but every connection's rollback fails. */
    private static DataSource rollbackFails(DataSource dataSource) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (ds, dsMethod, dsArgs) -> {
                    Object result = invoke(dataSource, dsMethod, dsArgs);
                    if (!(result instanceof Connection real)) {
                        return result;
                    }
                    return Proxy.newProxyInstance(Connection.class.getClassLoader(),
                            new Class<?>[] {Connection.class}, (c, method, args) -> {
                                if (method.getName().equals("rollback") && method.getParameterCount() == 0) {
                                    throw new SQLException("rollback refused", "08006");
                                }
                                return invoke(real, method, args);
                            });
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private long longValue(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(sql);
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private String stringValue(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(sql);
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }
}
