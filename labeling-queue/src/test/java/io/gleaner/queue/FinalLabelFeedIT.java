package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.gleaner.schema.EmbeddedPostgresExtension;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The feed of final labels: one per labeled task, in label id order, with the model's outputs and triggers. */
@ExtendWith(EmbeddedPostgresExtension.class)
class FinalLabelFeedIT {
    private static final Duration LEASE = Duration.ofMinutes(5);

    private TaskStore store;
    private TaskQueue queue;
    private FinalLabelFeed feed;

    @BeforeEach
    void setUp(DataSource dataSource) {
        store = new TaskStore(dataSource);
        queue = new TaskQueue(dataSource, new ConsensusConfig(2, 3, 0.1f, 0.1f));
        feed = new FinalLabelFeed(dataSource);
        for (String labeler : new String[] {"alice", "bob", "carol"}) {
            queue.ensureLabeler(labeler, "labeler");
        }
    }

    @Test
    void onlyTheLabelThatCompletesATaskIsFedWithWhatTheModelSaid() {
        store.insert(EdgeCases.edgeCase("frame-1", 0.9));
        store.insert(EdgeCases.edgeCase("frame-2", 0.5));
        long first = label("alice", "frame-1", new Label("debris", 0.1f, -0.9f));
        assertThat(feed.after(0, 10)).as("one label of two required is not final").isEmpty();
        long completing = label("bob", "frame-1", new Label("debris", 0.15f, -0.95f));
        label("alice", "frame-2", new Label("clear_road", 0f, 0f));

        List<FinalLabel> fed = feed.after(0, 10);
        assertThat(fed).extracting(FinalLabel::labelId).containsExactly(completing);
        FinalLabel only = fed.get(0);
        assertThat(only.labelId()).isGreaterThan(first);
        assertThat(only.frameId()).isEqualTo("frame-1");
        assertThat(only.label()).isEqualTo(new Label("debris", 0.15f, -0.95f));
        assertThat(only.modelVersion()).isEqualTo("7");
        assertThat(only.sceneProbabilities()).containsExactly(
                entry("clear_road", 0.25),
                entry("pedestrian_crossing", 0.75));
        assertThat(only.predictedSteering()).isEqualTo(0.125f);
        assertThat(only.predictedAcceleration()).isEqualTo(-0.5f);
        assertThat(only.triggers()).containsExactly(new FiredTrigger("action_disagreement", 0.875, 0.5));
        assertThat(feed.after(completing, 10)).isEmpty();
    }

    @Test
    void pagesResumeAfterTheLastLabelIdReturned() {
        for (int i = 0; i < 3; i++) {
            store.insert(EdgeCases.edgeCase("frame-" + i, 1.0 - i / 10.0));
            label("alice", "frame-" + i, new Label("debris", 0f, 0f));
            label("bob", "frame-" + i, new Label("debris", 0f, 0f));
        }
        List<FinalLabel> firstPage = feed.after(0, 2);
        assertThat(firstPage).extracting(FinalLabel::frameId).containsExactly("frame-0", "frame-1");
        assertThat(feed.after(firstPage.get(1).labelId(), 2)).extracting(FinalLabel::frameId).containsExactly("frame-2");
        assertThatThrownBy(() -> feed.after(0, 0)).hasMessageContaining("ask for 1 .. " + FinalLabelFeed.MAX_PAGE);
    }

    /** {@code labeler} claims the task of {@code frameId}, gives back any other it got, and labels it; returns the label id. */
    private long label(String labeler, String frameId, Label label) {
        List<Task> claimed = queue.claim(labeler, TaskQueue.MAX_CLAIM, LEASE);
        Task task = claimed.stream().filter(t -> t.frameId().equals(frameId)).findFirst().orElseThrow();
        claimed.stream().filter(t -> t != task).forEach(t -> queue.release(t.taskId(), labeler));
        return queue.submitLabel(task.taskId(), labeler, label);
    }
}
