package io.gleaner.it;

import io.gleaner.app.StreamsStage;
import io.gleaner.queue.TaskSinkTopology;
import io.gleaner.queue.TaskStore;
import java.nio.file.Path;
import java.time.Duration;
import javax.sql.DataSource;

/** Starts the queue sink ({@code edge-cases} → PostgreSQL) in the test JVM, exactly once, as the queue ITs run it. */
final class QueueSinkStages {
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);

    private QueueSinkStages() {
    }

    /**
     * Starts the sink under {@code applicationId}, its state under {@code stateRoot}, writing to
     * {@code dataSource}, and waits until it is RUNNING.
     */
    static StreamsStage start(String applicationId, String bootstrapServers, Path stateRoot, DataSource dataSource)
            throws InterruptedException {
        return StreamsStage.start(applicationId, StreamsStage.properties(applicationId, bootstrapServers, stateRoot, true),
                builder -> TaskSinkTopology.build(builder, new TaskStore(dataSource)), START_TIMEOUT);
    }
}
