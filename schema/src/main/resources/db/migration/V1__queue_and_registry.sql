-- Gleaner V1: the labeling queue, labels, labelers, the model registry and retrain runs.
-- Never edit this file once merged: add V2__... instead.

CREATE TYPE task_state AS ENUM ('pending', 'leased', 'labeled', 'skipped');

CREATE TABLE edge_case_tasks (
    task_id          BIGINT GENERATED ALWAYS AS IDENTITY,
    frame_id         TEXT        NOT NULL,
    vehicle_id       TEXT        NOT NULL,
    capture_time     TIMESTAMPTZ NOT NULL,
    image_encoding   TEXT        NOT NULL,
    image_width      INTEGER     NOT NULL,
    image_height     INTEGER     NOT NULL,
    image_bytes      BYTEA,
    image_uri        TEXT,
    human_steering   REAL        NOT NULL,
    human_accel      REAL        NOT NULL,
    model_version    TEXT        NOT NULL,
    scene_probabilities JSONB    NOT NULL,
    predicted_steering REAL      NOT NULL,
    predicted_accel  REAL        NOT NULL,
    triggers         JSONB       NOT NULL,
    priority         DOUBLE PRECISION NOT NULL,
    state            task_state  NOT NULL DEFAULT 'pending',
    attempts         INTEGER     NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at TIMESTAMPTZ,
    harvested_at     TIMESTAMPTZ NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT edge_case_tasks_pk PRIMARY KEY (task_id),
    CONSTRAINT edge_case_tasks_frame_id_uq UNIQUE (frame_id),
    CONSTRAINT edge_case_tasks_image_present_ck CHECK (image_bytes IS NOT NULL OR image_uri IS NOT NULL),
    CONSTRAINT edge_case_tasks_lease_ck CHECK (
        (state = 'leased') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
    CONSTRAINT edge_case_tasks_attempts_ck CHECK (attempts >= 0)
);
COMMENT ON TABLE edge_case_tasks IS 'One row per harvested frame; the labeling queue.';
COMMENT ON COLUMN edge_case_tasks.frame_id IS 'FrameEvent.frame_id; unique so that a replayed edge case never makes a second task.';
COMMENT ON COLUMN edge_case_tasks.image_bytes IS 'Encoded image as it arrived (JPEG/PNG/raw), NULL when image_uri is set.';
COMMENT ON COLUMN edge_case_tasks.model_version IS 'Model version that scored the frame when it was harvested.';
COMMENT ON COLUMN edge_case_tasks.scene_probabilities IS 'JSON object: scene class -> probability, from the scoring model.';
COMMENT ON COLUMN edge_case_tasks.triggers IS 'JSON array of {name, score, threshold}: the acquisition functions that fired.';
COMMENT ON COLUMN edge_case_tasks.priority IS 'Higher is served first.';
COMMENT ON COLUMN edge_case_tasks.attempts IS 'How many times the task has been leased.';
COMMENT ON COLUMN edge_case_tasks.lease_owner IS 'Labeler holding the lease; set only while state = leased.';
COMMENT ON COLUMN edge_case_tasks.lease_expires_at IS 'After this instant the lease is void and the task can be claimed again.';

-- Claims scan pending (or lease-expired) tasks by priority.
CREATE INDEX edge_case_tasks_claim_ix ON edge_case_tasks (priority DESC, task_id)
    WHERE state IN ('pending', 'leased');

CREATE TYPE labeler_role AS ENUM ('labeler', 'admin');

CREATE TABLE labelers (
    labeler_id  TEXT         NOT NULL,
    role        labeler_role NOT NULL DEFAULT 'labeler',
    created_at  TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT labelers_pk PRIMARY KEY (labeler_id)
);
COMMENT ON TABLE labelers IS 'People (and stand-ins for people) who label tasks.';

CREATE TABLE api_tokens (
    token_sha256 TEXT        NOT NULL,
    labeler_id   TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at   TIMESTAMPTZ,
    CONSTRAINT api_tokens_pk PRIMARY KEY (token_sha256),
    CONSTRAINT api_tokens_labeler_fk FOREIGN KEY (labeler_id) REFERENCES labelers (labeler_id)
);
COMMENT ON COLUMN api_tokens.token_sha256 IS 'SHA-256 (hex) of the bearer token; the token itself is never stored.';

CREATE TABLE labels (
    label_id      BIGINT GENERATED ALWAYS AS IDENTITY,
    task_id       BIGINT      NOT NULL,
    labeler_id    TEXT        NOT NULL,
    scene         TEXT        NOT NULL,
    steering      REAL        NOT NULL,
    acceleration  REAL        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT labels_pk PRIMARY KEY (label_id),
    CONSTRAINT labels_task_fk FOREIGN KEY (task_id) REFERENCES edge_case_tasks (task_id),
    CONSTRAINT labels_labeler_fk FOREIGN KEY (labeler_id) REFERENCES labelers (labeler_id),
    CONSTRAINT labels_steering_range_ck CHECK (steering BETWEEN -1 AND 1),
    CONSTRAINT labels_acceleration_range_ck CHECK (acceleration BETWEEN -1 AND 1)
);
COMMENT ON TABLE labels IS 'Human labels; append-only, never overwritten.';
COMMENT ON COLUMN labels.scene IS 'Scene class the labeler saw.';
COMMENT ON COLUMN labels.steering IS 'The correct steering, -1 (left) .. +1 (right).';
COMMENT ON COLUMN labels.acceleration IS 'The correct acceleration, -1 (full brake) .. +1 (full throttle).';
CREATE INDEX labels_task_ix ON labels (task_id);

CREATE TYPE model_state AS ENUM ('candidate', 'live', 'rejected', 'retired');

CREATE TABLE model_versions (
    model_name      TEXT        NOT NULL,
    version         INTEGER     NOT NULL,
    parent_version  INTEGER,
    artifact_uri    TEXT        NOT NULL,
    artifact_sha256 TEXT        NOT NULL,
    metrics         JSONB       NOT NULL DEFAULT '{}',
    state           model_state NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT model_versions_pk PRIMARY KEY (model_name, version),
    CONSTRAINT model_versions_parent_fk FOREIGN KEY (model_name, parent_version)
        REFERENCES model_versions (model_name, version),
    CONSTRAINT model_versions_sha256_ck CHECK (artifact_sha256 ~ '^[0-9a-f]{64}$')
);
COMMENT ON TABLE model_versions IS 'The model registry: every version ever trained, live or not.';
COMMENT ON COLUMN model_versions.metrics IS 'JSON object of held-out metrics (name -> value) measured by the gate.';
-- At most one live version per model.
CREATE UNIQUE INDEX model_versions_one_live_uq ON model_versions (model_name) WHERE state = 'live';

CREATE TYPE retrain_outcome AS ENUM ('running', 'promoted', 'rejected', 'failed');

CREATE TABLE retrain_runs (
    run_id          BIGINT GENERATED ALWAYS AS IDENTITY,
    model_name      TEXT        NOT NULL,
    base_version    INTEGER     NOT NULL,
    candidate_version INTEGER,
    reason          TEXT        NOT NULL,
    labels_used     INTEGER     NOT NULL,
    max_label_id    BIGINT      NOT NULL,
    outcome         retrain_outcome NOT NULL DEFAULT 'running',
    detail          TEXT,
    started_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at     TIMESTAMPTZ,
    CONSTRAINT retrain_runs_pk PRIMARY KEY (run_id),
    CONSTRAINT retrain_runs_labels_used_ck CHECK (labels_used >= 0)
);
COMMENT ON COLUMN retrain_runs.reason IS 'Why the run started, e.g. "120 new labels >= threshold 100".';
COMMENT ON COLUMN retrain_runs.max_label_id IS 'Highest labels.label_id the run trained on; the next trigger counts labels above it.';
