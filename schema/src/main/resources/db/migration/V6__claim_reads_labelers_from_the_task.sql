-- Gleaner V6: a claim skips the tasks its labeler already labeled without reading labels.
-- Never edit this file once merged: add V7__... instead.
--
-- Until now a claim ran NOT EXISTS against labels for every candidate it read, locked ones
-- included: two index pages per candidate, half a claim's buffer reads with 32 claimers. Worse,
-- its cached generic plan was made from whatever statistics labels had when the connection first
-- claimed. On a young queue those said "25 rows", and the plan read all of labels for every claim
-- until autovacuum analyzed the table again: claims slowed down as labels grew, 14 ms and 1,200
-- buffers a claim in bench queue. Now the task row carries who labeled it, written by the same
-- statement that inserts the label, and a claim reads that from the row it is about to lock.
-- labels_task_labeler_uq still refuses a second label by the same labeler.

ALTER TABLE edge_case_tasks ADD COLUMN labeled_by TEXT[] NOT NULL DEFAULT '{}';
COMMENT ON COLUMN edge_case_tasks.labeled_by IS
    'Labelers who labeled this task, in label order: a copy of labels.labeler_id, appended by the statement that inserts each label, so that a claim can pass over tasks its labeler already labeled without reading labels.';

UPDATE edge_case_tasks t
SET labeled_by = l.labelers
FROM (SELECT task_id, array_agg(labeler_id ORDER BY label_id) AS labelers FROM labels GROUP BY task_id) l
WHERE t.task_id = l.task_id;
