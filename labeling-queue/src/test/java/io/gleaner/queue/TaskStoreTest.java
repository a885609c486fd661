package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class TaskStoreTest {
    @Test
    void onlyDataExceptionsProgramLimitsAndCheckViolationsCountAsBadInput() {
        assertThat(TaskStore.isBadInput(new SQLException("nul", "22P05"))).isTrue();
        assertThat(TaskStore.isBadInput(new SQLException("timestamp out of range", "22008"))).isTrue();
        assertThat(TaskStore.isBadInput(new SQLException("index row too large", "54000"))).isTrue();
        assertThat(TaskStore.isBadInput(new SQLException("priority is NaN", "23514"))).isTrue();
        assertThat(TaskStore.isBadInput(new SQLException("foreign key", "23503"))).isFalse();
        assertThat(TaskStore.isBadInput(new SQLException("connection lost", "08006"))).isFalse();
        assertThat(TaskStore.isBadInput(new SQLException("not migrated", "42P01"))).isFalse();
        assertThat(TaskStore.isBadInput(new SQLException("deadlock", "40P01"))).isFalse();
        assertThat(TaskStore.isBadInput(new SQLException("no state"))).isFalse();
    }

    @Test
    void aLongFrameIdIsShortenedInMessages() {
        assertThat(TaskStore.shown("frame-1")).isEqualTo("frame-1");
        assertThat(TaskStore.shown("x".repeat(5000))).startsWith("x".repeat(80)).endsWith("(5000 chars)")
                .hasSizeLessThan(100);
    }
}
