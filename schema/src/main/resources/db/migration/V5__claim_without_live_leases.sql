-- Gleaner V5: claims reach pending tasks and lapsed leases without stepping over live leases.
-- Never edit this file once merged: add V6__... instead.
--
-- V1's edge_case_tasks_claim_ix held pending and leased tasks in one priority order. Labelers claim
-- the best priorities first, so live leases rank above every pending task, and a claim read each of
-- them from the heap (the index has no expiry) before it found a pending one: with 40,000 live
-- leases, 40,000 rows removed by filter per claim. The claim now merges two ordered sources that
-- hold only what is claimable: pending tasks by priority, and leases that ran out, found by expiry.

-- Pending tasks in claim order; a claim stops after the first rows it can lock.
CREATE INDEX edge_case_tasks_pending_ix ON edge_case_tasks (priority DESC, task_id)
    WHERE state = 'pending';

-- Leases by expiry: the lapsed ones are the first entries, however many are live.
CREATE INDEX edge_case_tasks_lease_expiry_ix ON edge_case_tasks (lease_expires_at)
    WHERE state = 'leased';

-- Replaced by the two above; every claim would otherwise keep writing it.
DROP INDEX edge_case_tasks_claim_ix;
