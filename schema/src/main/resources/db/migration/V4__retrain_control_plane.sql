-- Gleaner V4: the retraining control plane: which trigger started each run, retrains asked for by
-- an admin, the labels each model version was trained and judged on (lineage), and the history of
-- which version was live when (for rollback).
-- Never edit this file once merged: add V5__... instead.

CREATE TYPE retrain_trigger AS ENUM ('new_labels', 'schedule', 'drift', 'manual');

-- Every run before V4 was started by the new-labels trigger, the only one there was.
ALTER TABLE retrain_runs
    ADD COLUMN trigger retrain_trigger NOT NULL DEFAULT 'new_labels';
ALTER TABLE retrain_runs
    ALTER COLUMN trigger DROP DEFAULT;
COMMENT ON COLUMN retrain_runs.trigger IS
    'The trigger that started the run: new_labels, schedule, drift or manual; retrain_runs.reason says why it fired.';
COMMENT ON COLUMN retrain_runs.reason IS
    'Why the trigger fired, e.g. "120 new labels >= 100" or "manual: asked by lead: new camera firmware".';
-- The triggers look up the last finished run of a model.
CREATE INDEX retrain_runs_model_finished_ix ON retrain_runs (model_name, finished_at);

CREATE TYPE retrain_request_state AS ENUM ('pending', 'started');

CREATE TABLE retrain_requests (
    request_id   BIGINT GENERATED ALWAYS AS IDENTITY,
    model_name   TEXT        NOT NULL,
    requested_by TEXT        NOT NULL,
    reason       TEXT        NOT NULL,
    state        retrain_request_state NOT NULL DEFAULT 'pending',
    run_id       BIGINT,
    requested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT retrain_requests_pk PRIMARY KEY (request_id),
    CONSTRAINT retrain_requests_requested_by_fk FOREIGN KEY (requested_by) REFERENCES labelers (labeler_id),
    CONSTRAINT retrain_requests_run_fk FOREIGN KEY (run_id) REFERENCES retrain_runs (run_id),
    CONSTRAINT retrain_requests_reason_length_ck CHECK (char_length(reason) BETWEEN 1 AND 500),
    CONSTRAINT retrain_requests_started_has_run_ck CHECK ((state = 'started') = (run_id IS NOT NULL))
);
COMMENT ON TABLE retrain_requests IS 'Retrains asked for by an admin (POST /api/v1/retrain); the retrain service starts one run for all pending requests of a model.';
COMMENT ON COLUMN retrain_requests.requested_by IS 'The admin who asked.';
COMMENT ON COLUMN retrain_requests.reason IS 'Why the admin asked, as they wrote it; copied into retrain_runs.reason.';
COMMENT ON COLUMN retrain_requests.state IS 'pending: not yet picked up; started: run_id is the run that answered it.';
COMMENT ON COLUMN retrain_requests.run_id IS 'The run started for this request; set with state = started.';
CREATE INDEX retrain_requests_pending_ix ON retrain_requests (model_name, request_id) WHERE state = 'pending';

CREATE TABLE model_version_labels (
    model_name TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    label_id   BIGINT  NOT NULL,
    used_as    TEXT    NOT NULL,
    CONSTRAINT model_version_labels_pk PRIMARY KEY (model_name, version, label_id),
    CONSTRAINT model_version_labels_version_fk FOREIGN KEY (model_name, version)
        REFERENCES model_versions (model_name, version),
    CONSTRAINT model_version_labels_label_fk FOREIGN KEY (label_id) REFERENCES labels (label_id),
    CONSTRAINT model_version_labels_used_as_ck CHECK (used_as IN ('training', 'held_out'))
);
COMMENT ON TABLE model_version_labels IS
    'Lineage: the labels a model version was fine-tuned on or judged on, written in the transaction that registers the version.';
COMMENT ON COLUMN model_version_labels.used_as IS
    'training: the version was fine-tuned on this label; held_out: the gate judged the version on it and it was never trained on.';
-- From a label to every version that used it.
CREATE INDEX model_version_labels_label_ix ON model_version_labels (label_id);

CREATE TABLE model_promotions (
    promotion_id BIGINT GENERATED ALWAYS AS IDENTITY,
    model_name   TEXT        NOT NULL,
    version      INTEGER     NOT NULL,
    promoted_by  TEXT        NOT NULL,
    reason       TEXT        NOT NULL,
    promoted_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT model_promotions_pk PRIMARY KEY (promotion_id),
    CONSTRAINT model_promotions_version_fk FOREIGN KEY (model_name, version)
        REFERENCES model_versions (model_name, version)
);
COMMENT ON TABLE model_promotions IS 'Every time a version went live, in order: what rollback walks back along.';
COMMENT ON COLUMN model_promotions.promoted_by IS 'Who made it live: "retrain" for the gate, "bootstrap" for a seed, or the admin''s name.';
COMMENT ON COLUMN model_promotions.reason IS 'Why, e.g. the gate''s decision, "promote", or "rollback from v7".';
CREATE INDEX model_promotions_model_ix ON model_promotions (model_name, promotion_id);

-- Every retired or live version was live once; before V4 nobody wrote down when, so their
-- registration time stands in, in that order.
INSERT INTO model_promotions (model_name, version, promoted_by, reason, promoted_at)
SELECT model_name, version, 'migration', 'live before V4 recorded promotions', created_at
FROM model_versions
WHERE state IN ('live', 'retired')
ORDER BY model_name, created_at, version;

-- The drift alarm counts tasks harvested in recent windows on every check.
CREATE INDEX edge_case_tasks_harvested_at_ix ON edge_case_tasks (harvested_at);
