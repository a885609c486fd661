-- Gleaner V3: the scored frame's backbone embedding on each task, so that an admin can find the
-- nearest already-harvested frames to a task and start a campaign ("more like this") from it.
-- Never edit this file once merged: add V4__... instead.

ALTER TABLE edge_case_tasks
    ADD COLUMN embedding REAL[],
    ADD CONSTRAINT edge_case_tasks_embedding_shape_ck CHECK (
        embedding IS NULL OR (array_ndims(embedding) = 1 AND cardinality(embedding) BETWEEN 1 AND 8192));
COMMENT ON COLUMN edge_case_tasks.embedding IS
    'ScoredFrame.embedding of the harvested frame (L2-normalised backbone embedding); NULL for tasks stored before V3 or frames scored without one.';
