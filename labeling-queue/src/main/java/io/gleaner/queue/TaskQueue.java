package io.gleaner.queue;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;

/**
 * The labeling queue in PostgreSQL, as a labeler works it: claim tasks under a lease, keep the
 * lease alive with heartbeats, then submit a label, skip the task with a reason, or give the lease
 * back; flag a task without leaving it; read a task's detail and image. Two labelers never hold
 * the same task at once; a lease that runs out makes the task claimable again; a labeler never
 * labels the same task twice; labels are never changed (the database refuses it).
 *
 * <p>With a {@link ConsensusConfig} that asks for more than one label, a label that does not yet
 * complete an agreement sends the task back to the queue for another labeler.
 *
 * <p>Admin operations (re-prioritise, purge, export) are in {@link QueueAdmin}.
 *
 * <p>Thread-safe. Claims and submits that arrive while others are running are batched
 * ({@link Coalescer}; unless the queue was made with no batch slots): the next batch runs all of
 * them in one statement, so under load a claim or a submit costs the database a fraction of a
 * statement and a commit, and a lone caller waits for nobody. Every other call takes its own
 * connection from the {@link DataSource}.
 */
public final class TaskQueue {
    /** Roles a labeler may have, as in the {@code labeler_role} enum. */
    public static final Set<String> ROLES = Set.of("labeler", "admin");

    static final String UPSERT_LABELER = """
            INSERT INTO labelers (labeler_id, role) VALUES (?, ?::labeler_role)
            ON CONFLICT (labeler_id) DO UPDATE SET role = EXCLUDED.role
            """;

    /**
     * One statement: lock the best claimable tasks, skipping rows other claimers hold and tasks
     * the claimer already labeled, and lease them. Who labeled a task is read from the row itself
     * ({@code labeled_by}, V6), not from {@code labels}, so a claim's cost does not depend on that
     * table or on how fresh its statistics are. Under READ COMMITTED a row another claimer
     * leased meanwhile is re-checked against the WHERE clause and dropped, so no task is handed
     * out twice.
     *
     * <p>Claimable rows come from two scans that each read only claimable rows (V5), and each
     * lock at most {@code max}: pending tasks in priority order from
     * {@code edge_case_tasks_pending_ix}, stopping after {@code max}; and lapsed leases, found by
     * expiry in {@code edge_case_tasks_lease_expiry_ix} and sorted (they are few). The best
     * {@code max} of both are leased; the other locks end with the statement. Live leases, which
     * rank above every pending task because the best are claimed first, are never read. Each scan
     * is a plain single-table {@code ORDER BY ... FOR UPDATE SKIP LOCKED LIMIT}, whose plan holds
     * without statistics: one query over a union of both, joined back to the table to lock it, was
     * planned as a sort of every pending task whenever the estimates were off (17 pairs/s in
     * {@code bench queue} right after the seed).
     *
     * <p>{@code max} is written into the text ({@link #claimStatement}), not bound: PostgreSQL
     * costs a generic plan as if a bound {@code LIMIT} were a tenth of the table, so it never
     * chose the cached plan and planned every claim afresh, which took twice as long as running
     * it. With the limit in the text the prepared statement's cached plan is used.
     *
     * <p>The claim commits without waiting for its WAL to reach the disk ({@code
     * synchronous_commit} off for this transaction only, set by {@code commit_mode}). A database
     * crash can then forget a claim that the labeler was already told about: the task is pending
     * again (or its earlier lease is back), and another labeler may get it. That is safe because
     * a submit is durable and only records a label under a live lease that the submitter holds
     * ({@link #submit}), so the forgotten lease's holder is refused and the task gets one label;
     * the labeler claims again. A durable submit also flushes every earlier WAL record, so a
     * claim is never forgotten once anything after it was acknowledged durably.
     */
    private static final String CLAIM_TEMPLATE = """
            WITH pending AS (
                SELECT task_id, priority
                FROM edge_case_tasks
                WHERE state = 'pending' AND NOT (? = ANY (labeled_by))
                ORDER BY priority DESC, task_id
                FOR UPDATE SKIP LOCKED
                LIMIT %1$d
            ), lapsed AS (
                SELECT task_id, priority
                FROM edge_case_tasks
                WHERE state = 'leased' AND lease_expires_at <= now() AND NOT (? = ANY (labeled_by))
                ORDER BY priority DESC, task_id
                FOR UPDATE SKIP LOCKED
                LIMIT %1$d
            ), claimable AS (
                SELECT task_id
                FROM (SELECT task_id, priority FROM pending
                      UNION ALL
                      SELECT task_id, priority FROM lapsed) candidate
                ORDER BY priority DESC, task_id
                LIMIT %1$d
            ), claimed AS (
                UPDATE edge_case_tasks t
                SET state = 'leased',
                    lease_owner = ?,
                    lease_expires_at = now() + make_interval(secs => ?),
                    attempts = t.attempts + 1
                FROM claimable c
                WHERE t.task_id = c.task_id
                RETURNING t.task_id, t.frame_id, t.vehicle_id, t.image_encoding, t.image_width,
                          t.image_height, t.image_bytes, t.human_steering, t.human_accel,
                          t.model_version, t.priority, t.lease_expires_at
            ), commit_mode AS (
                SELECT set_config('synchronous_commit', 'off', true)
            )
            SELECT claimed.* FROM claimed CROSS JOIN commit_mode ORDER BY priority DESC, task_id
            """;

    /** {@link #CLAIM_TEMPLATE} for 1 .. {@value #MAX_CLAIM} tasks, at index {@code max - 1}. */
    private static final List<String> CLAIM_BY_SIZE = IntStream.rangeClosed(1, TaskQueue.MAX_CLAIM)
            .mapToObj(CLAIM_TEMPLATE::formatted)
            .toList();

    /**
     * The claim statement for up to {@code max} tasks (1 .. {@value #MAX_CLAIM}); bind the
     * claimer at 1, 2 and 3 and the lease in seconds at 4.
     */
    static String claimStatement(int max) {
        return CLAIM_BY_SIZE.get(max - 1);
    }

    /**
     * {@link #CLAIM_TEMPLATE} for a batch of claims, in one statement (see {@link #claimTogether}):
     * lock the best claimable tasks and lease the best {@code sum(max)} of them in order to the
     * claims' slots, oldest claim first, each with its own lease. The statement's limit is that
     * total rounded up ({@link #batchLimit}); the locks beyond it end with the commit.
     *
     * <p>A task that someone in the batch labeled already is given to nobody here, so no claim
     * gets a task its labeler labeled. It keeps its rank, leaving the claim whose slot it took
     * short; a claim left with nothing runs alone ({@link #claimAlone}) and takes the task if its
     * labeler may, so such a task is not passed over for as long as batches keep forming. A task
     * that everyone in the batch labeled is not locked at all.
     *
     * <p>Returns the claimed tasks with {@code request}, the 1-based position of the claim that
     * got each. Bind labelers ({@code text[]}), how many each wants ({@code int[]}) and its lease
     * in seconds ({@code float8[]}), one element per claim, then the batch's distinct labelers
     * ({@code text[]}) three times.
     */
    private static final String CLAIM_BATCH_TEMPLATE = """
            WITH request AS (
                SELECT * FROM unnest(?::text[], ?::int[], ?::float8[])
                    WITH ORDINALITY AS r(labeler_id, wanted, lease_seconds, ord)
            ), slot AS (
                SELECT request.ord, request.labeler_id, request.lease_seconds,
                       row_number() OVER (ORDER BY request.ord) AS n
                FROM request, generate_series(1, request.wanted)
            ), pending AS (
                SELECT task_id, priority, labeled_by
                FROM edge_case_tasks
                WHERE state = 'pending' AND NOT (labeled_by @> ?::text[])
                ORDER BY priority DESC, task_id
                FOR UPDATE SKIP LOCKED
                LIMIT %1$d
            ), lapsed AS (
                SELECT task_id, priority, labeled_by
                FROM edge_case_tasks
                WHERE state = 'leased' AND lease_expires_at <= now() AND NOT (labeled_by @> ?::text[])
                ORDER BY priority DESC, task_id
                FOR UPDATE SKIP LOCKED
                LIMIT %1$d
            ), candidate AS (
                SELECT task_id, labeled_by, row_number() OVER (ORDER BY priority DESC, task_id) AS n
                FROM (SELECT * FROM pending UNION ALL SELECT * FROM lapsed
                      ORDER BY priority DESC, task_id
                      LIMIT %1$d) best
            ), claimed AS (
                UPDATE edge_case_tasks t
                SET state = 'leased',
                    lease_owner = slot.labeler_id,
                    lease_expires_at = now() + make_interval(secs => slot.lease_seconds),
                    attempts = t.attempts + 1
                FROM candidate JOIN slot ON slot.n = candidate.n AND NOT (candidate.labeled_by && ?::text[])
                WHERE t.task_id = candidate.task_id
                RETURNING slot.ord AS request, t.task_id, t.frame_id, t.vehicle_id, t.image_encoding,
                          t.image_width, t.image_height, t.image_bytes, t.human_steering, t.human_accel,
                          t.model_version, t.priority, t.lease_expires_at
            ), commit_mode AS (
                SELECT set_config('synchronous_commit', 'off', true)
            )
            SELECT claimed.* FROM claimed CROSS JOIN commit_mode ORDER BY request, priority DESC, task_id
            """;

    /**
     * The limit of a batched claim of {@code total} tasks: the next power of two, at most
     * {@value #MAX_CLAIM}. Each limit is its own statement text with its own cached plan, and a
     * plan costs more than the claim it plans (2.5 ms against 1.5 ms for 16 tasks): one text per
     * total gave every connection dozens of texts to plan, each planned afresh its first nine
     * times. Eight texts cost at most twice the locks a batch needs.
     */
    static int batchLimit(int total) {
        return total <= 1 ? 1 : Math.min(MAX_CLAIM, Integer.highestOneBit(total - 1) << 1);
    }

    /** {@link #CLAIM_BATCH_TEMPLATE} for each limit {@link #batchLimit} gives. */
    private static final Map<Integer, String> CLAIM_BATCH_BY_LIMIT = IntStream.rangeClosed(1, TaskQueue.MAX_CLAIM)
            .map(TaskQueue::batchLimit)
            .distinct()
            .boxed()
            .collect(Collectors.toUnmodifiableMap(limit -> limit, CLAIM_BATCH_TEMPLATE::formatted));

    static final String LOCK_TASK = """
            SELECT state::text, lease_owner, lease_expires_at, lease_expires_at > now() AS lease_live,
                   labels_required, max_labels
            FROM edge_case_tasks
            WHERE task_id = ?
            FOR UPDATE
            """;

    /**
     * Label ids come from an identity, so they are handed out in insert order but become visible
     * in commit order: a reader paging by label id ({@link #labeledAfter}) could see id 8, move its
     * watermark past 7, and never see 7 once it commits. Every submit holds this transaction-scoped
     * lock <em>shared</em> from before its insert until its commit, and the feed reader takes it
     * <em>exclusive</em> for its read, so the reader never reads while a submit is in flight: every
     * id below one it sees is committed or rolled back. Submits do not wait for each other (their
     * commits share WAL flushes); only a feed read briefly holds new submits back.
     */
    static final long LABEL_ORDER_LOCK_KEY = 0x676c65616e65724cL;


    /** Taken by the feed reader before it reads labels. */
    static final String LOCK_LABEL_ORDER = "SELECT pg_advisory_xact_lock(?)";

    /**
     * One round trip for the writes of a submit: take the label-order lock shared (the insert
     * reads from it, so the lock comes first), insert the label, end the lease and add the
     * labeler to the task's {@code labeled_by}, which claims read.
     */
    static final String INSERT_LABEL = """
            WITH label_order AS (
                SELECT pg_advisory_xact_lock_shared(?)
            ), label AS (
                INSERT INTO labels (task_id, labeler_id, scene, steering, acceleration, notes, completes_task)
                SELECT ?, ?, ?, ?, ?, ?, ? FROM label_order
                RETURNING label_id, labeler_id
            ), task AS (
                UPDATE edge_case_tasks t
                SET state = ?::task_state, lease_owner = NULL, lease_expires_at = NULL,
                    labeled_by = array_append(t.labeled_by, label.labeler_id)
                FROM label
                WHERE t.task_id = ?
            )
            SELECT label_id FROM label
            """;

    /**
     * A whole submit in one statement, for a task whose first label completes it (it needs one
     * agreeing label): lock the task, and only if {@code labelerId} holds a live lease on it take
     * the label-order lock shared, insert the label and mark the task labeled, its labeler added
     * to {@code labeled_by}. It returns the task row as it was locked, and the new label's id or
     * {@code NULL} when nothing was written: the lease was not held (the caller says why), or the
     * task needs more labels (the caller records it in a transaction that reads the earlier
     * labels). Bind: task, labeler, the queue's {@code labels_required}, the lock key, labeler,
     * scene, steering, acceleration, notes.
     *
     * <p>Under READ COMMITTED the lock returns the newest version of the row, so a lease that
     * lapsed and went to someone else between the statement's start and the lock is seen as theirs.
     */
    static final String SUBMIT_FIRST_LABEL = """
            WITH task AS (
                SELECT task_id, state::text AS state, lease_owner, lease_expires_at,
                       lease_expires_at > now() AS lease_live, labels_required, max_labels
                FROM edge_case_tasks
                WHERE task_id = ?
                FOR UPDATE
            ), held AS (
                SELECT task_id FROM task
                WHERE state = 'leased' AND lease_owner = ? AND lease_live
                  AND coalesce(labels_required, ?) = 1
            ), label_order AS (
                SELECT pg_advisory_xact_lock_shared(?) FROM held
            ), label AS (
                INSERT INTO labels (task_id, labeler_id, scene, steering, acceleration, notes, completes_task)
                SELECT held.task_id, ?, ?, ?, ?, ?, true FROM held, label_order
                RETURNING label_id, labeler_id
            ), ended AS (
                UPDATE edge_case_tasks t
                SET state = 'labeled', lease_owner = NULL, lease_expires_at = NULL,
                    labeled_by = array_append(t.labeled_by, label.labeler_id)
                FROM held, label
                WHERE t.task_id = held.task_id
            )
            SELECT task.state, task.lease_owner, task.lease_expires_at, task.lease_live,
                   task.labels_required, task.max_labels, (SELECT label_id FROM label) AS label_id
            FROM task
            """;

    /**
     * {@link #SUBMIT_FIRST_LABEL} for a batch of submits to different tasks, in one statement and
     * one durable commit (see {@link #submitTogether}). Unlike it, the check is the update's own
     * condition rather than a lock taken first: a task is labeled only if, in its newest version
     * (READ COMMITTED re-checks a row that changed under the statement), it is leased to that
     * submit's labeler, the lease is live and one label completes it. That spares each task a
     * lock and its WAL record. One row per submit, in the order bound: the task as the statement
     * found it ({@code found} false when there is no such task) and the new label's id, or
     * {@code NULL} when that submit wrote nothing. Bind task ids, labelers, scenes, steerings,
     * accelerations and notes as arrays, one element per submit, then the queue's
     * {@code labels_required} and the label-order lock key.
     *
     * <p>Rows are locked in the order the join meets them, so two batches that share tasks (a
     * task submitted twice at once, through two instances) can deadlock; PostgreSQL then fails
     * one, and its callers run alone.
     */
    static final String SUBMIT_FIRST_LABELS = """
            WITH request AS (
                SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::real[], ?::real[], ?::text[])
                    WITH ORDINALITY AS r(task_id, labeler_id, scene, steering, acceleration, notes, ord)
            ), ended AS (
                UPDATE edge_case_tasks t
                SET state = 'labeled', lease_owner = NULL, lease_expires_at = NULL,
                    labeled_by = array_append(t.labeled_by, request.labeler_id)
                FROM request
                WHERE t.task_id = request.task_id AND t.state = 'leased' AND t.lease_owner = request.labeler_id
                  AND t.lease_expires_at > now() AND coalesce(t.labels_required, ?) = 1
                RETURNING request.*
            ), label_order AS (
                SELECT pg_advisory_xact_lock_shared(?) FROM (SELECT 1 FROM ended LIMIT 1) any_ended
            ), label AS (
                INSERT INTO labels (task_id, labeler_id, scene, steering, acceleration, notes, completes_task)
                SELECT ended.task_id, ended.labeler_id, ended.scene, ended.steering, ended.acceleration,
                       ended.notes, true
                FROM ended, label_order
                RETURNING label_id, task_id
            )
            SELECT t.state::text, t.lease_owner, t.lease_expires_at, t.lease_expires_at > now(),
                   t.labels_required, t.max_labels, label.label_id, t.task_id IS NOT NULL AS found
            FROM request
            LEFT JOIN edge_case_tasks t ON t.task_id = request.task_id
            LEFT JOIN label ON label.task_id = request.task_id
            ORDER BY request.ord
            """;

    static final String TASK_LABELS = """
            SELECT scene, steering, acceleration FROM labels WHERE task_id = ?
            """;

    static final String END_LEASE = """
            UPDATE edge_case_tasks
            SET state = ?::task_state, lease_owner = NULL, lease_expires_at = NULL
            WHERE task_id = ?
            """;

    /**
     * Extends a lease that the caller checked under its row lock. Like a claim, it commits
     * without waiting for the disk: a crash that forgets it leaves the lease to end sooner, and
     * the submit after it is refused rather than recorded twice (see {@link #claimStatement}).
     */
    static final String EXTEND_LEASE = """
            WITH commit_mode AS (
                SELECT set_config('synchronous_commit', 'off', true)
            )
            UPDATE edge_case_tasks
            SET lease_expires_at = now() + make_interval(secs => ?)
            FROM commit_mode
            WHERE task_id = ?
            RETURNING lease_expires_at
            """;

    static final String INSERT_FLAG = """
            INSERT INTO task_flags (task_id, labeler_id, kind, reason, note)
            VALUES (?, ?, ?::task_flag_kind, ?, ?)
            """;

    static final String RELEASE = """
            UPDATE edge_case_tasks
            SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL
            WHERE task_id = ? AND state = 'leased' AND lease_owner = ?
            """;

    /**
     * Returns up to {@code ?} leases that lapsed before {@code now() - ?} seconds to pending, the
     * oldest first, skipping rows a claim or submit holds. Reads the V5 index of leases by expiry.
     */
    static final String RETURN_LAPSED = """
            WITH lapsed AS (
                SELECT task_id
                FROM edge_case_tasks
                WHERE state = 'leased' AND lease_expires_at < now() - make_interval(secs => ?)
                ORDER BY lease_expires_at
                FOR UPDATE SKIP LOCKED
                LIMIT ?
            )
            UPDATE edge_case_tasks t
            SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL
            FROM lapsed
            WHERE t.task_id = lapsed.task_id
            """;

    static final String STATS = """
            SELECT
                count(*) FILTER (WHERE state = 'pending' OR (state = 'leased' AND lease_expires_at <= now())),
                count(*) FILTER (WHERE state = 'leased' AND lease_expires_at > now()),
                count(*) FILTER (WHERE state = 'labeled'),
                count(*) FILTER (WHERE state = 'skipped'),
                (SELECT count(*) FROM labels)
            FROM edge_case_tasks
            """;

    static final String LABELED_AFTER = """
            SELECT l.label_id, l.task_id, t.frame_id, t.image_encoding, t.image_width, t.image_height,
                   t.image_bytes, l.scene, l.steering, l.acceleration
            FROM labels l
            JOIN edge_case_tasks t ON t.task_id = l.task_id
            WHERE l.label_id > ? AND l.completes_task
            ORDER BY l.label_id
            LIMIT ?
            """;

    /** Most tasks one {@link #claim} call leases: a labeler cannot work through more before they expire. */
    public static final int MAX_CLAIM = 100;

    /** Longest note on a skip or flag, as {@code task_flags_note_length_ck} allows. */
    public static final int MAX_NOTE_CHARS = 2000;

    private static final String FOREIGN_KEY_VIOLATION = "23503";
    private static final String UNIQUE_VIOLATION = "23505";

    /**
     * Batched claims, and batched submits, that run at once unless the queue is told otherwise.
     * One of each: under load a batch then carries everything that queued behind the one before.
     * Alternating warmed-up 30 s runs of {@code bench queue} (32 clients, 2 cores) gave 2,717 and
     * 2,592 pairs/s with 1 against 2,077 and 1,949 with 2, whose batches were half the size (4.5
     * claims against 8.7); 60 s runs gave 2,307 and 2,181 with 1 against 841 and 805 with none.
     */
    public static final int DEFAULT_BATCH_SLOTS = 1;

    /** Most batch slots a queue takes: each running batch holds a database connection. */
    public static final int MAX_BATCH_SLOTS = 64;

    /** Most submits one batch carries. */
    static final int MAX_SUBMIT_BATCH = 64;

    private final DataSource dataSource;
    private final ConsensusConfig consensus;
    private final Coalescer<ClaimRequest, List<Task>> claims;
    private final Coalescer<SubmitRequest, FirstLabel> submits;

    /** A queue where the first label of a task is final ({@link ConsensusConfig#defaults()}). */
    public TaskQueue(DataSource dataSource) {
        this(dataSource, ConsensusConfig.defaults());
    }

    /** A queue that labels a task once {@code consensus} is reached. */
    public TaskQueue(DataSource dataSource, ConsensusConfig consensus) {
        this(dataSource, consensus, DEFAULT_BATCH_SLOTS);
    }

    /**
     * A queue that labels a task once {@code consensus} is reached and batches concurrent calls
     * with {@code batchSlots} batches of claims, and as many of submits, running at once.
     *
     * @param batchSlots 1 .. {@value #MAX_BATCH_SLOTS}, or 0 to run every claim and submit alone
     */
    public TaskQueue(DataSource dataSource, ConsensusConfig consensus, int batchSlots) {
        if (batchSlots < 0 || batchSlots > MAX_BATCH_SLOTS) {
            throw new IllegalArgumentException("batch slots is " + batchSlots + ", must be 0 (no batching) .. "
                    + MAX_BATCH_SLOTS);
        }
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.consensus = Objects.requireNonNull(consensus, "consensus");
        this.claims = new Coalescer<>(batchSlots, MAX_CLAIM, ClaimRequest::max, this::claimTogether);
        this.submits = new Coalescer<>(batchSlots, MAX_SUBMIT_BATCH, request -> 1, this::submitTogether);
    }

    /** How concurrent claims were batched so far by this instance; all zero when it does not batch. */
    public CoalescerStats claimBatching() {
        return claims.stats();
    }

    /** How concurrent submits were batched so far by this instance; all zero when it does not batch. */
    public CoalescerStats submitBatching() {
        return submits.stats();
    }

    /** The consensus rule this queue applies to tasks that do not set their own. */
    public ConsensusConfig consensus() {
        return consensus;
    }

    /**
     * Registers a labeler, or changes the role of one that exists. A labeler must be registered
     * before it can submit labels.
     *
     * @param role {@code labeler} or {@code admin}
     */
    public void ensureLabeler(String labelerId, String role) {
        requireLabelerId(labelerId);
        if (role == null || !ROLES.contains(role)) {
            throw new IllegalArgumentException(
                    "labeler " + labelerId + ": role '" + role + "' is unknown, use one of " + ROLES);
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(UPSERT_LABELER)) {
            st.setString(1, labelerId);
            st.setString(2, role);
            st.executeUpdate();
        } catch (SQLException e) {
            throw new QueueDatabaseException("registering labeler " + labelerId, e);
        }
    }

    /**
     * Leases up to {@code max} tasks to {@code labelerId}, highest priority first (then oldest
     * task id). Pending tasks and tasks whose lease expired are claimable, except those
     * {@code labelerId} has labeled already; tasks another claimer is locking right now are
     * skipped, not waited for.
     *
     * @param max how many tasks at most, 1 .. {@value #MAX_CLAIM}
     * @param lease how long the labeler holds each task; positive
     * @return the claimed tasks, highest priority first; empty when nothing is claimable
     */
    public List<Task> claim(String labelerId, int max, Duration lease) {
        requireLabelerId(labelerId);
        if (max < 1) {
            throw new IllegalArgumentException("claim of " + max + " tasks: ask for at least 1");
        }
        if (max > MAX_CLAIM) {
            throw new IllegalArgumentException("claim of " + max + " tasks by labeler " + labelerId
                    + ": at most " + MAX_CLAIM + " per claim; claim again after labeling or releasing these");
        }
        ClaimRequest request = new ClaimRequest(labelerId, max, leaseSeconds(lease, labelerId));
        List<Task> tasks = claims.call(request);
        return tasks != null ? tasks : claimAlone(request);
    }

    /** One caller's claim, as it waits to be batched with others. */
    record ClaimRequest(String labelerId, int max, double leaseSeconds) {}

    private List<Task> claimAlone(ClaimRequest request) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(claimStatement(request.max()))) {
            st.setString(1, request.labelerId());
            st.setString(2, request.labelerId());
            st.setString(3, request.labelerId());
            st.setDouble(4, request.leaseSeconds());
            List<Task> tasks = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    tasks.add(task(rs));
                }
            }
            return tasks;
        } catch (SQLException e) {
            throw new QueueDatabaseException("claim of " + request.max() + " tasks for labeler "
                    + request.labelerId(), e);
        }
    }

    /**
     * Claims for a batch of callers in one statement ({@link #CLAIM_BATCH_TEMPLATE}). A
     * {@code null} answer sends that caller to {@link #claimAlone}: the batch gave its claim
     * nothing (the tasks ran out, or the best were labeled by someone in the batch), or failed.
     */
    List<List<Task>> claimTogether(List<ClaimRequest> requests) {
        if (requests.size() == 1) {
            return List.of(claimAlone(requests.get(0)));
        }
        int total = requests.stream().mapToInt(ClaimRequest::max).sum();
        List<List<Task>> given = new ArrayList<>();
        requests.forEach(request -> given.add(new ArrayList<>()));
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(CLAIM_BATCH_BY_LIMIT.get(batchLimit(total)))) {
            Array batch = c.createArrayOf("text", requests.stream().map(ClaimRequest::labelerId).distinct().toArray());
            st.setArray(1, c.createArrayOf("text", requests.stream().map(ClaimRequest::labelerId).toArray()));
            st.setArray(2, c.createArrayOf("int4", requests.stream().map(ClaimRequest::max).toArray()));
            st.setArray(3, c.createArrayOf("float8", requests.stream().map(ClaimRequest::leaseSeconds).toArray()));
            st.setArray(4, batch);
            st.setArray(5, batch);
            st.setArray(6, batch);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    given.get(rs.getInt("request") - 1).add(task(rs));
                }
            }
        } catch (SQLException e) {
            return Collections.nCopies(requests.size(), null);
        }
        return given.stream().map(tasks -> tasks.isEmpty() ? null : tasks).toList();
    }

    /** A task as the claim statements return it. */
    private static Task task(ResultSet rs) throws SQLException {
        return new Task(
                rs.getLong("task_id"),
                rs.getString("frame_id"),
                rs.getString("vehicle_id"),
                rs.getString("image_encoding"),
                rs.getInt("image_width"),
                rs.getInt("image_height"),
                rs.getBytes("image_bytes"),
                rs.getFloat("human_steering"),
                rs.getFloat("human_accel"),
                rs.getString("model_version"),
                rs.getDouble("priority"),
                rs.getObject("lease_expires_at", OffsetDateTime.class).toInstant());
    }

    /**
     * Records {@code label} for a task that {@code labelerId} holds under a live lease and ends
     * the lease, in one transaction; returns the new label's id. See {@link #submit} for what
     * happens to the task.
     *
     * @throws LeaseException if the task is not leased to {@code labelerId} or the lease expired;
     *     nothing is written
     * @throws TaskNotFoundException if the task does not exist
     * @throws IllegalArgumentException if the labeler is not registered
     */
    public long submitLabel(long taskId, String labelerId, Label label) {
        return submit(taskId, labelerId, label).labelId();
    }

    /**
     * Records {@code label} for a task that {@code labelerId} holds under a live lease and ends
     * the lease, in one transaction. The task becomes {@code labeled} when the label completes an
     * agreement of the task's labels ({@link ConsensusConfig}; with the defaults, any label does);
     * otherwise it goes back to {@code pending} for another labeler, or is set aside as
     * {@code skipped} (reason {@code no_consensus}) when it reached its label cap.
     *
     * <p>A task that one label completes is checked and labeled in one statement and one round
     * trip ({@link #SUBMIT_FIRST_LABEL}); a task that needs agreement takes a second, transactional
     * pass that reads its earlier labels. The commit is durable: when this returns the label is on
     * disk. Because claims and heartbeats are not ({@link #claimStatement}), the lease check here
     * is what keeps a task from two labels after a crash: it runs under the task's row lock, in the
     * same transaction as the insert, against the lease as the database has it.
     *
     * @throws LeaseException if the task is not leased to {@code labelerId} or the lease expired;
     *     nothing is written
     * @throws TaskNotFoundException if the task does not exist
     * @throws IllegalArgumentException if the labeler is not registered
     */
    public Submission submit(long taskId, String labelerId, Label label) {
        requireLabelerId(labelerId);
        Objects.requireNonNull(label, "label");
        SubmitRequest request = new SubmitRequest(taskId, labelerId, label);
        FirstLabel first = submits.call(request);
        if (first == null) {
            first = submitAlone(request);
        }
        if (first.task() == null) {
            throw new TaskNotFoundException(taskId, "act only on tasks returned by claim");
        }
        first.task().requireLiveLease(taskId, labelerId);
        if (first.labelId() != null) {
            return new Submission(first.labelId(), true, "labeled");
        }
        // The lease is held but one label does not complete the task: weigh it against the others.
        return inTransaction("label of task " + taskId + " by " + labelerId, c -> {
            LockedTask row = checkLease(c, taskId, labelerId);
            return record(c, taskId, labelerId, label, row.labelsRequired(), row.maxLabels());
        });
    }

    /** One caller's submit, as it waits to be batched with others. */
    record SubmitRequest(long taskId, String labelerId, Label label) {}

    /**
     * What a first-label submit found of the task (under its row lock when alone, as the batch's
     * statement saw it when batched), and the label it wrote.
     *
     * @param task the task, or {@code null} when there is no such task
     * @param labelId the new label, or {@code null} when nothing was written: the lease was not
     *     held, or one label does not complete the task
     */
    record FirstLabel(LockedTask task, Long labelId) {
        /** The answer for a task that does not exist. */
        static final FirstLabel MISSING = new FirstLabel(null, null);

        /** Reads the task from the first six columns, as {@link LockedTask#read}, and the label from the seventh. */
        static FirstLabel read(ResultSet rs) throws SQLException {
            return new FirstLabel(LockedTask.read(rs), rs.getObject(7, Long.class));
        }
    }

    /** {@link #SUBMIT_FIRST_LABEL} for one submit. */
    private FirstLabel submitAlone(SubmitRequest request) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(SUBMIT_FIRST_LABEL)) {
            st.setLong(1, request.taskId());
            st.setString(2, request.labelerId());
            st.setInt(3, consensus.labelsRequired());
            st.setLong(4, LABEL_ORDER_LOCK_KEY);
            bindLabel(st, 5, request.labelerId(), request.label());
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? FirstLabel.read(rs) : FirstLabel.MISSING;
            }
        } catch (SQLException e) {
            RuntimeException refusal = labelRefusal(e, request.taskId(), request.labelerId());
            throw refusal != null ? refusal : new QueueDatabaseException("label of task " + request.taskId()
                    + " by " + request.labelerId(), e);
        }
    }

    /**
     * Submits for a batch of callers in one statement and one durable commit
     * ({@link #SUBMIT_FIRST_LABELS}). A {@code null} answer sends that caller to
     * {@link #submitAlone}: its task is already in the batch (a repeated submit), or the batch
     * failed, e.g. because one labeler in it is not registered, and alone each caller gets its
     * own answer.
     */
    List<FirstLabel> submitTogether(List<SubmitRequest> requests) {
        if (requests.size() == 1) {
            return List.of(submitAlone(requests.get(0)));
        }
        // A task's first submit goes in the batch; a repeat keeps its null answer and runs alone.
        Set<Long> tasks = new HashSet<>();
        List<Integer> inBatch = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            if (tasks.add(requests.get(i).taskId())) {
                inBatch.add(i);
            }
        }
        List<SubmitRequest> batch = inBatch.stream().map(requests::get).toList();
        FirstLabel[] answers = new FirstLabel[requests.size()];
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(SUBMIT_FIRST_LABELS)) {
            st.setArray(1, c.createArrayOf("bigint", batch.stream().map(SubmitRequest::taskId).toArray()));
            st.setArray(2, c.createArrayOf("text", batch.stream().map(SubmitRequest::labelerId).toArray()));
            st.setArray(3, c.createArrayOf("text", batch.stream().map(r -> r.label().scene()).toArray()));
            st.setArray(4, c.createArrayOf("float4", batch.stream().map(r -> r.label().steering()).toArray()));
            st.setArray(5, c.createArrayOf("float4", batch.stream().map(r -> r.label().acceleration()).toArray()));
            st.setArray(6, c.createArrayOf("text", batch.stream().map(r -> r.label().notes()).toArray()));
            st.setInt(7, consensus.labelsRequired());
            st.setLong(8, LABEL_ORDER_LOCK_KEY);
            try (ResultSet rs = st.executeQuery()) {
                for (int position : inBatch) {
                    rs.next();
                    answers[position] = rs.getBoolean(8) ? FirstLabel.read(rs) : FirstLabel.MISSING;
                }
            }
        } catch (SQLException e) {
            return Collections.nCopies(requests.size(), null);
        }
        return Arrays.asList(answers);
    }

    /**
     * Inserts a label for a task whose row the caller holds locked and moves the task on by the
     * consensus rule, as {@link #submit} describes; used by submits and by imports from other tools.
     *
     * @param taskLabelsRequired the task's own {@code labels_required}, or {@code null} for the queue's
     * @param taskMaxLabels the task's own {@code max_labels}, or {@code null} for the queue's
     */
    Submission record(Connection c, long taskId, String labelerId, Label label, Integer taskLabelsRequired,
                      Integer taskMaxLabels) throws SQLException {
        int required = taskLabelsRequired != null ? taskLabelsRequired : consensus.labelsRequired();
        int max = taskMaxLabels != null ? taskMaxLabels : Math.max(consensus.maxLabels(), required);
        int agreeing = 1;
        int labels = 1;
        if (required > 1 || max > 1) {
            for (Label earlier : labelsOf(c, taskId)) {
                labels++;
                if (consensus.agree(label, earlier)) {
                    agreeing++;
                }
            }
        }
        boolean completes = agreeing >= required;
        String state = completes ? "labeled" : labels >= max ? "skipped" : "pending";
        long labelId = insertLabel(c, taskId, labelerId, label, completes, state);
        if (state.equals("skipped")) {
            insertFlag(c, taskId, null, true, FlagReason.NO_CONSENSUS, labels + " labels, at most " + agreeing
                    + " agreeing with the last, " + required + " required");
        }
        return new Submission(labelId, completes, state);
    }

    /**
     * Extends a live lease that {@code labelerId} holds to {@code lease} from now: a labeler who
     * is still working on a task calls this before the lease runs out.
     *
     * @return when the lease now expires
     * @throws LeaseException if the task is not leased to {@code labelerId} or the lease already
     *     expired (then claim again)
     * @throws TaskNotFoundException if the task does not exist
     */
    public Instant heartbeat(long taskId, String labelerId, Duration lease) {
        requireLabelerId(labelerId);
        double seconds = leaseSeconds(lease, labelerId);
        return inTransaction("heartbeat of task " + taskId + " by " + labelerId, c -> {
            checkLease(c, taskId, labelerId);
            try (PreparedStatement st = c.prepareStatement(EXTEND_LEASE)) {
                st.setDouble(1, seconds);
                st.setLong(2, taskId);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return rs.getObject(1, OffsetDateTime.class).toInstant();
                }
            }
        });
    }

    /**
     * Sets a task that {@code labelerId} holds aside without a label, with a reason: it becomes
     * {@code skipped}, is never claimed again, and the reason is kept in {@code task_flags}.
     *
     * @param reason why, one a labeler may give ({@link FlagReason#fromLabeler})
     * @param note free text or {@code null}, at most {@value #MAX_NOTE_CHARS} characters
     * @throws LeaseException if the task is not leased to {@code labelerId} or the lease expired
     * @throws TaskNotFoundException if the task does not exist
     */
    public void skip(long taskId, String labelerId, FlagReason reason, String note) {
        requireLabelerId(labelerId);
        requireLabelerReason(reason, note);
        inTransaction("skip of task " + taskId + " by " + labelerId, c -> {
            checkLease(c, taskId, labelerId);
            insertFlag(c, taskId, labelerId, true, reason, note);
            endLease(c, taskId, "skipped");
            return null;
        });
    }

    /**
     * Records a remark on a task that {@code labelerId} holds, e.g. a sensor fault seen while
     * labeling; the task and its lease stay as they are.
     *
     * @param reason what, one a labeler may give ({@link FlagReason#fromLabeler})
     * @param note free text or {@code null}, at most {@value #MAX_NOTE_CHARS} characters
     * @throws LeaseException if the task is not leased to {@code labelerId} or the lease expired
     * @throws TaskNotFoundException if the task does not exist
     */
    public void flag(long taskId, String labelerId, FlagReason reason, String note) {
        requireLabelerId(labelerId);
        requireLabelerReason(reason, note);
        inTransaction("flag of task " + taskId + " by " + labelerId, c -> {
            checkLease(c, taskId, labelerId);
            insertFlag(c, taskId, labelerId, false, reason, note);
            return null;
        });
    }

    private static void requireLabelerReason(FlagReason reason, String note) {
        Objects.requireNonNull(reason, "reason");
        if (reason == FlagReason.NO_CONSENSUS) {
            throw new IllegalArgumentException("reason no_consensus is the queue's own: use one of "
                    + FlagReason.labelerCodes());
        }
        if (note != null && note.length() > MAX_NOTE_CHARS) {
            throw new IllegalArgumentException("note is " + note.length() + " characters long, at most "
                    + MAX_NOTE_CHARS + " allowed: shorten it");
        }
    }

    /** The lease-relevant columns of a task, as a submit read them (under the row lock, unless batched). */
    record LockedTask(String state, String owner, OffsetDateTime expires, boolean live, Integer labelsRequired,
                      Integer maxLabels) {
        /** Reads a row whose first six columns are those of {@link #LOCK_TASK}. */
        static LockedTask read(ResultSet rs) throws SQLException {
            return new LockedTask(rs.getString(1), rs.getString(2), rs.getObject(3, OffsetDateTime.class),
                    rs.getBoolean(4), rs.getObject(5, Integer.class), rs.getObject(6, Integer.class));
        }

        /** @throws LeaseException if the row shows no live lease held by {@code labelerId} */
        LockedTask requireLiveLease(long taskId, String labelerId) {
            if (!"leased".equals(state)) {
                throw new LeaseException("task " + taskId + " is " + state + ", not leased to "
                        + labelerId + ": claim a task before labeling it");
            }
            if (!labelerId.equals(owner)) {
                throw new LeaseException("task " + taskId + " is leased to " + owner + " until "
                        + expires.toInstant() + ", not to " + labelerId + ": claim another task");
            }
            if (!live) {
                throw new LeaseException("lease of task " + taskId + " by " + labelerId + " expired at "
                        + expires.toInstant() + ": claim again (use a longer lease if labeling takes longer)");
            }
            return this;
        }
    }

    private static LockedTask checkLease(Connection c, long taskId, String labelerId) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(LOCK_TASK)) {
            st.setLong(1, taskId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw new TaskNotFoundException(taskId, "act only on tasks returned by claim");
                }
                return LockedTask.read(rs).requireLiveLease(taskId, labelerId);
            }
        }
    }

    private static List<Label> labelsOf(Connection c, long taskId) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(TASK_LABELS)) {
            st.setLong(1, taskId);
            List<Label> labels = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    labels.add(new Label(rs.getString(1), rs.getFloat(2), rs.getFloat(3)));
                }
            }
            return labels;
        }
    }

    /** Binds the labeler, scene, steering, acceleration and notes at {@code first} .. {@code first + 4}. */
    private static void bindLabel(PreparedStatement st, int first, String labelerId, Label label) throws SQLException {
        st.setString(first, labelerId);
        st.setString(first + 1, label.scene());
        st.setFloat(first + 2, label.steering());
        st.setFloat(first + 3, label.acceleration());
        st.setString(first + 4, label.notes());
    }

    /** Inserts the label and moves the task to {@code state}, ending the lease: see {@link #INSERT_LABEL}. */
    private static long insertLabel(Connection c, long taskId, String labelerId, Label label, boolean completes,
                                    String state) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(INSERT_LABEL)) {
            st.setLong(1, LABEL_ORDER_LOCK_KEY);
            st.setLong(2, taskId);
            bindLabel(st, 3, labelerId, label);
            st.setBoolean(8, completes);
            st.setString(9, state);
            st.setLong(10, taskId);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            RuntimeException refusal = labelRefusal(e, taskId, labelerId);
            if (refusal != null) {
                throw refusal;
            }
            throw e;
        }
    }

    /**
     * What a failed label insert tells the caller: the labeler is not registered, or labeled the
     * task already; {@code null} when the failure is the database's, not the caller's.
     */
    private static RuntimeException labelRefusal(SQLException e, long taskId, String labelerId) {
        if (FOREIGN_KEY_VIOLATION.equals(e.getSQLState())) {
            return new IllegalArgumentException("labeler " + labelerId
                    + " is not registered: call ensureLabeler before submitting labels", e);
        }
        if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
            return new TaskConflictException("labeler " + labelerId + " has labeled task " + taskId
                    + " already: a labeler labels a task once; release it for someone else");
        }
        return null;
    }

    private static void endLease(Connection c, long taskId, String state) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(END_LEASE)) {
            st.setString(1, state);
            st.setLong(2, taskId);
            st.executeUpdate();
        }
    }

    private static void insertFlag(Connection c, long taskId, String labelerId, boolean skip, FlagReason reason,
                                   String note) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(INSERT_FLAG)) {
            st.setLong(1, taskId);
            st.setString(2, labelerId);
            st.setString(3, skip ? "skip" : "flag");
            st.setString(4, reason.code());
            st.setString(5, note == null || note.isBlank() ? null : note);
            st.executeUpdate();
        }
    }

    private <T> T inTransaction(String operation, JdbcTransaction.Work<T> work) {
        return JdbcTransaction.run(dataSource, operation, work);
    }

    private static double leaseSeconds(Duration lease, String labelerId) {
        Objects.requireNonNull(lease, "lease");
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("lease of " + lease + " for labeler " + labelerId
                    + ": a lease must be positive, e.g. PT5M");
        }
        return lease.toNanos() / 1e9;
    }

    /**
     * Gives a lease back before it expires, so another labeler can claim the task at once.
     *
     * @return true if {@code labelerId} held the task and it is pending again; false if it held
     *     no lease on it (already labeled, released, or leased to someone else)
     */
    public boolean release(long taskId, String labelerId) {
        requireLabelerId(labelerId);
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(RELEASE)) {
            st.setLong(1, taskId);
            st.setString(2, labelerId);
            return st.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new QueueDatabaseException("release of task " + taskId + " by " + labelerId, e);
        }
    }

    /**
     * Sets tasks whose lease lapsed more than {@code grace} ago back to pending, at most {@code max}
     * of them, and returns how many. Claims take a lapsed lease without this, but each claim then
     * sorts every lapsed lease by priority (25 ms a claim with 10,000 of them, against 0.15 ms),
     * so after a mass lapse (a client that held many leases dies, a shift ends) the sweep keeps
     * claims on the pending index. The grace keeps a late labeler's submit answered with "lease
     * expired" for a while rather than "task is pending". Safe to run from several instances.
     */
    public int returnLapsedLeases(Duration grace, int max) {
        if (grace.isNegative() || max < 1) {
            throw new IllegalArgumentException("sweep of " + max + " lapsed leases with a grace of " + grace
                    + ": the grace must not be negative and max must be positive");
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(RETURN_LAPSED)) {
            st.setDouble(1, grace.toNanos() / 1e9);
            st.setInt(2, max);
            return st.executeUpdate();
        } catch (SQLException e) {
            throw new QueueDatabaseException("return of lapsed leases to pending", e);
        }
    }

    /** Counts tasks by state and labels in total; see {@link QueueStats} for expired leases. */
    public QueueStats stats() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(STATS);
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return new QueueStats(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
        } catch (SQLException e) {
            throw new QueueDatabaseException("queue statistics", e);
        }
    }

    /** Most labels one {@link #labeledAfter(long, int)} call returns. */
    public static final int MAX_LABELED_PAGE = 10_000;

    /**
     * Up to {@code limit} labels with an id above {@code afterLabelId}, with their tasks' images,
     * in ascending label id. Pass 0 to start from the first label, then the last returned
     * {@link LabeledExample#labelId()} to get the next page; a page shorter than {@code limit}
     * is the last one for now.
     *
     * @param limit 1 .. {@value #MAX_LABELED_PAGE}
     */
    public List<LabeledExample> labeledAfter(long afterLabelId, int limit) {
        if (limit < 1 || limit > MAX_LABELED_PAGE) {
            throw new IllegalArgumentException("page of " + limit + " labels after id " + afterLabelId
                    + ": ask for 1 .. " + MAX_LABELED_PAGE + " and page on with the last label id returned");
        }
        return inTransaction("labels after id " + afterLabelId + " (page of " + limit + ")", c -> {
            try (PreparedStatement st = c.prepareStatement(LOCK_LABEL_ORDER)) {
                st.setLong(1, LABEL_ORDER_LOCK_KEY);
                st.executeQuery().close();
            }
            try (PreparedStatement st = c.prepareStatement(LABELED_AFTER)) {
                st.setLong(1, afterLabelId);
                st.setInt(2, limit);
                return examples(st);
            }
        });
    }

    private static List<LabeledExample> examples(PreparedStatement st) throws SQLException {
        List<LabeledExample> examples = new ArrayList<>();
        try (ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                examples.add(new LabeledExample(
                        rs.getLong("label_id"),
                        rs.getLong("task_id"),
                        rs.getString("frame_id"),
                        rs.getString("image_encoding"),
                        rs.getInt("image_width"),
                        rs.getInt("image_height"),
                        rs.getBytes("image_bytes"),
                        rs.getString("scene"),
                        rs.getFloat("steering"),
                        rs.getFloat("acceleration")));
            }
        }
        return examples;
    }

    static final String DETAIL = """
            SELECT task_id, frame_id, vehicle_id, capture_time, image_encoding, image_width, image_height,
                   image_uri, human_steering, human_accel, model_version, scene_probabilities::text AS scenes,
                   predicted_steering, predicted_accel, triggers::text AS fired, priority,
                   CASE WHEN state = 'leased' AND lease_expires_at <= now() THEN 'pending' ELSE state::text END
                       AS effective_state,
                   attempts,
                   CASE WHEN lease_expires_at > now() THEN lease_owner END AS live_owner,
                   CASE WHEN lease_expires_at > now() THEN lease_expires_at END AS live_expiry,
                   harvested_at, labels_required, max_labels
            FROM edge_case_tasks
            WHERE task_id = ?
            """;

    static final String DETAIL_LABELS = """
            SELECT label_id, labeler_id, scene, steering, acceleration, notes, completes_task, created_at
            FROM labels WHERE task_id = ? ORDER BY label_id
            """;

    static final String DETAIL_FLAGS = """
            SELECT flag_id, labeler_id, kind::text, reason, note, created_at
            FROM task_flags WHERE task_id = ? ORDER BY flag_id
            """;

    static final String IMAGE = "SELECT image_encoding, image_bytes, image_uri FROM edge_case_tasks WHERE task_id = ?";

    /**
     * Everything known about a task, read in one snapshot: the frame, model outputs, human action,
     * triggers, state (a lapsed lease reads as {@code pending}, with no owner), labels and flags.
     *
     * @throws TaskNotFoundException if there is no such task
     */
    public TaskDetail detail(long taskId) {
        return inTransaction("detail of task " + taskId, c -> {
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (PreparedStatement st = c.prepareStatement(DETAIL)) {
                st.setLong(1, taskId);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        throw new TaskNotFoundException(taskId, "ask for a task id that claim or stats returned");
                    }
                    int required = rs.getObject("labels_required") != null
                            ? rs.getInt("labels_required") : consensus.labelsRequired();
                    int max = rs.getObject("max_labels") != null
                            ? rs.getInt("max_labels") : Math.max(consensus.maxLabels(), required);
                    OffsetDateTime expiry = rs.getObject("live_expiry", OffsetDateTime.class);
                    return new TaskDetail(
                            rs.getLong("task_id"),
                            rs.getString("frame_id"),
                            rs.getString("vehicle_id"),
                            rs.getObject("capture_time", OffsetDateTime.class).toInstant(),
                            rs.getString("image_encoding"),
                            rs.getInt("image_width"),
                            rs.getInt("image_height"),
                            rs.getString("image_uri"),
                            rs.getFloat("human_steering"),
                            rs.getFloat("human_accel"),
                            rs.getString("model_version"),
                            EdgeCaseJson.readSceneProbabilities(rs.getString("scenes")),
                            rs.getFloat("predicted_steering"),
                            rs.getFloat("predicted_accel"),
                            EdgeCaseJson.readTriggers(rs.getString("fired")),
                            rs.getDouble("priority"),
                            rs.getString("effective_state"),
                            rs.getInt("attempts"),
                            rs.getString("live_owner"),
                            expiry == null ? null : expiry.toInstant(),
                            rs.getObject("harvested_at", OffsetDateTime.class).toInstant(),
                            required,
                            max,
                            recordedLabels(c, taskId),
                            flags(c, taskId));
                }
            }
        });
    }

    private static List<RecordedLabel> recordedLabels(Connection c, long taskId) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(DETAIL_LABELS)) {
            st.setLong(1, taskId);
            List<RecordedLabel> labels = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    labels.add(new RecordedLabel(rs.getLong(1), rs.getString(2),
                            new Label(rs.getString(3), rs.getFloat(4), rs.getFloat(5), rs.getString(6)),
                            rs.getBoolean(7), rs.getObject(8, OffsetDateTime.class).toInstant()));
                }
            }
            return labels;
        }
    }

    private static List<TaskFlag> flags(Connection c, long taskId) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(DETAIL_FLAGS)) {
            st.setLong(1, taskId);
            List<TaskFlag> flags = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    flags.add(new TaskFlag(rs.getLong(1), rs.getString(2), "skip".equals(rs.getString(3)),
                            FlagReason.fromStored(rs.getString(4)), rs.getString(5),
                            rs.getObject(6, OffsetDateTime.class).toInstant()));
                }
            }
            return flags;
        }
    }

    /**
     * The task's image as stored.
     *
     * @throws TaskNotFoundException if there is no such task
     */
    public TaskImage image(long taskId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(IMAGE)) {
            st.setLong(1, taskId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    throw new TaskNotFoundException(taskId, "ask for the image of a task id that claim returned");
                }
                return new TaskImage(rs.getString(1), rs.getBytes(2), rs.getString(3));
            }
        } catch (SQLException e) {
            throw new QueueDatabaseException("image of task " + taskId, e);
        }
    }

    private static void requireLabelerId(String labelerId) {
        if (labelerId == null || labelerId.isBlank()) {
            throw new IllegalArgumentException("labeler id is blank: every claim and label names its labeler");
        }
    }
}
