-- Gleaner V2: what a labeling team needs to work in the queue all day: consensus over several
-- labels, skips and flags with checked reasons, free-text notes, NaN-free priorities, and labels
-- that the database itself refuses to change.
-- Never edit this file once merged: add V3__... instead.

-- PostgreSQL orders 'NaN' above every number and treats 'NaN' = 'NaN' as true, so a NaN priority
-- would jump the whole queue. A task that has one now is sent to the back instead of failing the
-- migration.
UPDATE edge_case_tasks SET priority = '-Infinity' WHERE priority = 'NaN';
ALTER TABLE edge_case_tasks
    ADD CONSTRAINT edge_case_tasks_priority_not_nan_ck CHECK (priority <> 'NaN'::double precision);

ALTER TABLE edge_case_tasks
    ADD COLUMN labels_required SMALLINT,
    ADD COLUMN max_labels      SMALLINT,
    ADD CONSTRAINT edge_case_tasks_labels_required_ck CHECK (labels_required BETWEEN 1 AND 10),
    ADD CONSTRAINT edge_case_tasks_max_labels_ck CHECK (max_labels BETWEEN 1 AND 10),
    ADD CONSTRAINT edge_case_tasks_consensus_ck CHECK (
        labels_required IS NULL OR max_labels IS NULL OR max_labels >= labels_required);
COMMENT ON COLUMN edge_case_tasks.labels_required IS
    'Agreeing labels that make this task labeled; NULL: the queue''s configured default.';
COMMENT ON COLUMN edge_case_tasks.max_labels IS
    'Labels after which a task without agreement is set aside (reason no_consensus); NULL: the queue''s default.';
COMMENT ON COLUMN edge_case_tasks.state IS
    'pending: claimable; leased: held by lease_owner until lease_expires_at; labeled: final; skipped: set aside, see task_flags.';

ALTER TABLE labels
    ADD COLUMN notes TEXT,
    ADD COLUMN completes_task BOOLEAN NOT NULL DEFAULT true,
    ADD CONSTRAINT labels_notes_length_ck CHECK (char_length(notes) <= 2000),
    ADD CONSTRAINT labels_task_labeler_uq UNIQUE (task_id, labeler_id);
COMMENT ON COLUMN labels.notes IS 'Free text the labeler wrote about the frame, at most 2000 characters.';
COMMENT ON COLUMN labels.completes_task IS
    'True when this label made its task labeled (alone, or as the one that brought agreement); the retraining feed reads only these. Set once, on insert.';
COMMENT ON CONSTRAINT labels_task_labeler_uq ON labels IS 'A labeler labels a task at most once, so consensus counts different people.';
-- The unique index above leads with task_id and serves every lookup labels_task_ix served: one index less to write per label.
DROP INDEX labels_task_ix;

-- Labels are append-only: no statement may change or delete one (TRUNCATE, for test fixtures, is not a row change).
CREATE FUNCTION labels_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'label % is a human label: labels are never changed or deleted; submit a new label instead', OLD.label_id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER labels_append_only_tg BEFORE UPDATE OR DELETE ON labels
    FOR EACH ROW EXECUTE FUNCTION labels_refuse_change();

CREATE TYPE task_flag_kind AS ENUM ('skip', 'flag');

CREATE TABLE task_flags (
    flag_id     BIGINT GENERATED ALWAYS AS IDENTITY,
    task_id     BIGINT         NOT NULL,
    labeler_id  TEXT,
    kind        task_flag_kind NOT NULL,
    reason      TEXT           NOT NULL,
    note        TEXT,
    created_at  TIMESTAMPTZ    NOT NULL DEFAULT now(),
    CONSTRAINT task_flags_pk PRIMARY KEY (flag_id),
    CONSTRAINT task_flags_task_fk FOREIGN KEY (task_id) REFERENCES edge_case_tasks (task_id) ON DELETE CASCADE,
    CONSTRAINT task_flags_labeler_fk FOREIGN KEY (labeler_id) REFERENCES labelers (labeler_id),
    CONSTRAINT task_flags_reason_ck CHECK (reason IN (
        'unlabelable', 'sensor_fault', 'ambiguous_scene', 'duplicate', 'privacy', 'other', 'no_consensus')),
    CONSTRAINT task_flags_note_length_ck CHECK (char_length(note) <= 2000),
    CONSTRAINT task_flags_system_reason_ck CHECK ((labeler_id IS NULL) = (reason = 'no_consensus'))
);
COMMENT ON TABLE task_flags IS 'Why a task was skipped (set aside) or flagged (marked, still labelable); append-only.';
COMMENT ON COLUMN task_flags.labeler_id IS 'Who skipped or flagged; NULL only when the queue set the task aside itself (no_consensus).';
COMMENT ON COLUMN task_flags.kind IS 'skip: the task was set aside with this reason; flag: a remark, the task stayed in the queue.';
COMMENT ON COLUMN task_flags.reason IS 'One of a checked set; no_consensus is the queue''s own reason after max_labels without agreement.';
COMMENT ON COLUMN task_flags.note IS 'Free text, at most 2000 characters.';
CREATE INDEX task_flags_task_ix ON task_flags (task_id);
