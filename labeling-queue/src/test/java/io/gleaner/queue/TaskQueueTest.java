package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TaskQueueTest {
    @Test
    void aBatchedClaimLocksUpToTheNextPowerOfTwoButNeverMoreThanOneClaimMay() {
        assertThat(TaskQueue.batchLimit(1)).isEqualTo(1);
        assertThat(TaskQueue.batchLimit(2)).isEqualTo(2);
        assertThat(TaskQueue.batchLimit(3)).isEqualTo(4);
        assertThat(TaskQueue.batchLimit(4)).isEqualTo(4);
        assertThat(TaskQueue.batchLimit(5)).isEqualTo(8);
        assertThat(TaskQueue.batchLimit(33)).isEqualTo(64);
        assertThat(TaskQueue.batchLimit(64)).isEqualTo(64);
        assertThat(TaskQueue.batchLimit(65)).isEqualTo(TaskQueue.MAX_CLAIM);
        assertThat(TaskQueue.batchLimit(TaskQueue.MAX_CLAIM)).isEqualTo(TaskQueue.MAX_CLAIM);
    }
}
