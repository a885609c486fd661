-- One pgbench transaction: one client's batch of :batch claims (committed without waiting for
-- the WAL flush, as Gleaner's claims are), then the same tasks submitted in one durable commit,
-- each label inserted and its task marked labeled. Gleaner batches the same way (bench queue:
-- 8-11 calls a statement).
BEGIN;
SET LOCAL synchronous_commit = off;
WITH claimed AS (
    UPDATE floor_tasks
    SET state = 'leased', lease_owner = 'labeler-' || :client_id, lease_expires_at = now() + interval '5 minutes'
    WHERE task_id IN (
        SELECT task_id FROM floor_tasks WHERE state = 'pending'
        ORDER BY priority DESC, task_id LIMIT :batch FOR UPDATE SKIP LOCKED)
    RETURNING task_id)
SELECT coalesce(array_agg(task_id), '{}')::text AS ids FROM claimed \gset
COMMIT;
BEGIN;
WITH done AS (
    UPDATE floor_tasks
    SET state = 'labeled', lease_owner = NULL, lease_expires_at = NULL,
        labeled_by = labeled_by || ('labeler-' || :client_id)
    WHERE task_id = ANY (':ids'::bigint[]) AND state = 'leased' AND lease_owner = 'labeler-' || :client_id
    RETURNING task_id)
INSERT INTO floor_labels (task_id, labeler_id, scene, steering, acceleration)
SELECT task_id, 'labeler-' || :client_id, 'road', 0.1, -0.2 FROM done;
COMMIT;
