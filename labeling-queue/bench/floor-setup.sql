-- The least a labeling queue can ask of PostgreSQL for a claim and a submit: what
-- queue-floor.sh measures. Narrower than Gleaner's edge_case_tasks on purpose: no image,
-- no embedding, no model outputs, no foreign keys, no consensus; the same claim index
-- (V5's pending_ix) and the same expiry index, so a claim finds work the way Gleaner's does.
DROP TABLE IF EXISTS floor_labels, floor_tasks;
CREATE TABLE floor_tasks (
    task_id          BIGINT PRIMARY KEY,
    priority         DOUBLE PRECISION NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending',
    lease_owner      TEXT,
    lease_expires_at TIMESTAMPTZ,
    labeled_by       TEXT[] NOT NULL DEFAULT '{}'
);
INSERT INTO floor_tasks (task_id, priority)
SELECT g, random() FROM generate_series(1, :tasks) g;
CREATE INDEX floor_tasks_pending_ix ON floor_tasks (priority DESC, task_id) WHERE state = 'pending';
CREATE INDEX floor_tasks_lease_expiry_ix ON floor_tasks (lease_expires_at) WHERE state = 'leased';
CREATE TABLE floor_labels (
    label_id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id      BIGINT NOT NULL,
    labeler_id   TEXT NOT NULL,
    scene        TEXT NOT NULL,
    steering     REAL NOT NULL,
    acceleration REAL NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (task_id, labeler_id)
);
VACUUM ANALYZE floor_tasks;
