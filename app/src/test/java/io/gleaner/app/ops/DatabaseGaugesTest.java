package io.gleaner.app.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** With the database away the gauges and the health check say so, and nothing throws into the role. */
class DatabaseGaugesTest {
    private static PGSimpleDataSource nowhere() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL("jdbc:postgresql://127.0.0.1:1/gleaner");
        dataSource.setConnectTimeout(1);
        return dataSource;
    }

    @Test
    void aDatabaseThatIsAwayMakesHealthDownAndTheGaugesNaNWithoutThrowing() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (DatabaseGauges gauges = new DatabaseGauges(nowhere(), EnumSet.allOf(DatabaseGauges.Reading.class),
                "driving", Duration.ofHours(1))) {
            gauges.bindTo(registry);
            gauges.refresh();

            assertThat(gauges.check().healthy()).isFalse();
            assertThat(gauges.check().details()).containsEntry("last_read", "never").containsKey("error");
            assertThat(registry.get("gleaner.db.up").gauge().value()).isZero();
            assertThat(registry.get("gleaner.queue.tasks").tag("state", "pending").gauge().value()).isNaN();
            assertThat(registry.get("gleaner.retrain.runs").tag("outcome", "promoted").tag("trigger", "manual")
                    .gauge().value()).isNaN();
            assertThat(registry.get("gleaner.retrain.runs").gauges()).hasSize(16);
        }
    }

    @Test
    void aRefreshFasterThanATenthOfASecondIsRefused() {
        assertThatThrownBy(() -> new DatabaseGauges(nowhere(), EnumSet.noneOf(DatabaseGauges.Reading.class),
                "driving", Duration.ofMillis(10))).hasMessageContaining("query per scrape");
    }
}
