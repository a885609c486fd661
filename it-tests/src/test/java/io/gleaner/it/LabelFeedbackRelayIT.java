package io.gleaner.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gleaner.app.StreamsStage;
import io.gleaner.app.infra.TopicAdmin;
import io.gleaner.queue.Label;
import io.gleaner.queue.Task;
import io.gleaner.queue.TaskQueue;
import io.gleaner.queue.TaskStore;
import io.gleaner.queue.feedback.FeedbackRelayConfig;
import io.gleaner.queue.feedback.LabelFeedbackRelay;
import io.gleaner.schema.Migrations;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.LabelFeedback;
import io.gleaner.schema.v1.TriggerYield;
import io.gleaner.uncertainty.SelectionConfig;
import io.gleaner.uncertainty.SelectionMetrics;
import io.gleaner.uncertainty.SelectionTopology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5, trigger yield feedback: labels that land in PostgreSQL reach {@code label-feedback}
 * through the relay exactly once, across a restart and a crashed predecessor's open transaction,
 * and the selection stage's trigger yields move with them.
 */
@ExtendWith(GleanerInfrastructure.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LabelFeedbackRelayIT {
    private static final Duration LEASE = Duration.ofMinutes(5);
    private static final Duration STAGE_START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration YIELD_TIMEOUT = Duration.ofSeconds(90);
    /** The model says pedestrian_crossing, steering 0, acceleration 0.2 for every frame here. */
    private static final Label MODEL_RIGHT = new Label("pedestrian_crossing", 0.05f, 0.15f);
    private static final Label MODEL_WRONG = new Label("clear_road", 0.05f, 0.15f);

    private String bootstrapServers;
    private DataSource dataSource;
    private TaskStore store;
    private TaskQueue queue;
    @TempDir
    Path stateRoot;

    @BeforeAll
    void migrateAndCreateTopics(Infrastructure infrastructure) throws InterruptedException {
        bootstrapServers = infrastructure.kafkaBootstrapServers();
        dataSource = infrastructure.database().dataSource();
        Migrations.migrate(dataSource);
        TopicAdmin.createMissing(bootstrapServers, 2, (short) 1);
        emptyLabelFeedback();
        store = new TaskStore(dataSource);
        queue = new TaskQueue(dataSource);
        queue.ensureLabeler("alice", "labeler");
    }

    @Test
    void labelsBecomeFeedbackOnceAcrossARestartAndACrashedRelaysOpenTransaction() {
        String run = "relay-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        long wrongA = harvestAndLabel(run + "a", "novelty", MODEL_WRONG);
        long right = harvestAndLabel(run + "b", "entropy", MODEL_RIGHT);
        long wrongC = harvestAndLabel(run + "c", "novelty", new Label("pedestrian_crossing", 0.5f, 0.2f));
        try (LabelFeedbackRelay relay = relay()) {
            assertThat(relay.relayOnce()).isEqualTo(3);
            assertThat(relay.position()).isEqualTo(wrongC);
            assertThat(relay.relayOnce()).as("caught up").isZero();
        }
        Map<String, LabelFeedback> published = feedbackOf(run);
        assertThat(published).containsOnlyKeys(run + "a", run + "b", run + "c");
        assertThat(published.get(run + "a").getModelErred()).isTrue();
        assertThat(published.get(run + "a").getTriggersList()).containsExactly("novelty");
        assertThat(published.get(run + "a").getLabelId()).isEqualTo(wrongA);
        assertThat(published.get(run + "a").getModelVersion()).isEqualTo("1");
        assertThat(published.get(run + "b").getModelErred()).isFalse();
        assertThat(published.get(run + "b").getLabelId()).isEqualTo(right);
        assertThat(published.get(run + "c").getModelErred()).as("steering 0.5 against 0.0").isTrue();

        long d = harvestAndLabel(run + "d", "entropy", MODEL_RIGHT);
        long e = harvestAndLabel(run + "e", "novelty", MODEL_WRONG);
        // A relay that crashed mid-page: its transaction holds a feedback the topic must never show.
        try (Producer<String, LabelFeedback> zombie = crashedRelayWithAnOpenTransaction(run + "ghost")) {
            try (LabelFeedbackRelay restarted = relay()) {
                assertThat(restarted.relayOnce()).as("only the labels after the last published one").isEqualTo(2);
                assertThat(restarted.position()).isEqualTo(e);
            }
        }
        try (LabelFeedbackRelay again = relay()) {
            assertThat(again.relayOnce()).as("a second restart finds nothing new").isZero();
            assertThat(again.position()).isEqualTo(e);
        }

        List<ConsumerRecord<String, LabelFeedback>> records = TopicReader.readAll(bootstrapServers, Topics.LABEL_FEEDBACK)
                .stream().filter(r -> r.key().startsWith(run)).toList();
        assertThat(records).extracting(ConsumerRecord::key)
                .as("each labeled frame once, the crashed relay's record never")
                .containsExactlyInAnyOrder(run + "a", run + "b", run + "c", run + "d", run + "e");
        assertThat(feedbackOf(run).get(run + "d").getLabelId()).isEqualTo(d);
    }

    @Test
    void theSelectionStagesTriggerYieldMovesWithTheLabels() throws InterruptedException {
        String run = "yield-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        String good = "good-" + run.substring(6, 14);
        String poor = "poor-" + run.substring(6, 14);
        for (int i = 0; i < 6; i++) {
            harvestAndLabel(run + good + i, good, MODEL_WRONG);
            harvestAndLabel(run + poor + i, poor, i == 0 ? MODEL_WRONG : MODEL_RIGHT);
        }
        Properties props = StreamsStage.properties(SelectionTopology.APPLICATION_ID, bootstrapServers, stateRoot, true);
        SelectionMetrics metrics = new SelectionMetrics();
        try (StreamsStage selection = StreamsStage.start(SelectionTopology.APPLICATION_ID, props,
                b -> SelectionTopology.build(b, SelectionConfig.defaults(), metrics), STAGE_START_TIMEOUT);
             LabelFeedbackRelay relay = relay()) {
            assertThat(relay.relayOnce()).isGreaterThanOrEqualTo(12);
            Map<String, TriggerYield> yields = await("trigger-yield for " + good + " and " + poor)
                    .atMost(YIELD_TIMEOUT)
                    .until(this::latestYields, latest -> latest.containsKey(good) && latest.containsKey(poor)
                            && latest.get(good).getLabeled() == 6 && latest.get(poor).getLabeled() == 6);
            assertThat(yields.get(good).getModelErrors()).isEqualTo(6);
            assertThat(yields.get(poor).getModelErrors()).isEqualTo(1);
            assertThat(yields.get(good).getShare()).as("the trigger whose harvests show errors gets more")
                    .isGreaterThan(yields.get(poor).getShare());
            assertThat(metrics.triggerYields().get(good).labeled()).isEqualTo(6);
        }
    }

    /**
     * The relay takes its position from the last label id on {@code label-feedback}. The broker is
     * shared by every IT and this class's database is its own, so feedback an earlier IT's loop
     * published (with that database's label ids) would put the position past every label here:
     * the topic's records are deleted first, as they would be for a deployment starting afresh.
     */
    private void emptyLabelFeedback() throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            List<TopicPartition> partitions = admin.describeTopics(List.of(Topics.LABEL_FEEDBACK.name()))
                    .allTopicNames().get().get(Topics.LABEL_FEEDBACK.name()).partitions().stream()
                    .map(p -> new TopicPartition(Topics.LABEL_FEEDBACK.name(), p.partition())).toList();
            Map<TopicPartition, OffsetSpec> latest = partitions.stream()
                    .collect(Collectors.toMap(Function.identity(), p -> OffsetSpec.latest()));
            Map<TopicPartition, RecordsToDelete> toDelete = admin.listOffsets(latest).all().get().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey,
                            entry -> RecordsToDelete.beforeOffset(entry.getValue().offset())));
            admin.deleteRecords(toDelete).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot empty " + Topics.LABEL_FEEDBACK.name() + ": " + e.getCause(), e);
        }
    }

    private LabelFeedbackRelay relay() {
        return new LabelFeedbackRelay(dataSource, bootstrapServers, FeedbackRelayConfig.defaults());
    }

    /** A producer of the relay's transactional id that sent {@code frameId}'s feedback and never committed. */
    private Producer<String, LabelFeedback> crashedRelayWithAnOpenTransaction(String frameId) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, FeedbackRelayConfig.DEFAULT_TRANSACTIONAL_ID);
        Producer<String, LabelFeedback> zombie = new KafkaProducer<>(props,
                Topics.LABEL_FEEDBACK.keySerde().serializer(), Topics.LABEL_FEEDBACK.valueSerde().serializer());
        zombie.initTransactions();
        zombie.beginTransaction();
        zombie.send(new ProducerRecord<>(Topics.LABEL_FEEDBACK.name(), frameId, LabelFeedback.newBuilder()
                .setFrameId(frameId).addTriggers("novelty").setModelErred(true).setLabelId(Long.MAX_VALUE).build()));
        zombie.flush();
        return zombie;
    }

    /** The latest committed feedback per frame id of this run's frames. */
    private Map<String, LabelFeedback> feedbackOf(String run) {
        Map<String, LabelFeedback> latest = new HashMap<>();
        TopicReader.readAll(bootstrapServers, Topics.LABEL_FEEDBACK).stream().filter(r -> r.key().startsWith(run))
                .forEach(r -> latest.put(r.key(), r.value()));
        return latest;
    }

    private Map<String, TriggerYield> latestYields() {
        return TopicReader.readAll(bootstrapServers, Topics.TRIGGER_YIELD).stream()
                .collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value, (older, newer) -> newer));
    }

    /** Stores an edge case of {@code frameId} harvested by {@code trigger}, and labels it; returns the label id. */
    private long harvestAndLabel(String frameId, String trigger, Label label) {
        store.insert(TestEdgeCases.edgeCase(frameId, "vehicle-feedback", trigger, 0.5));
        List<Task> claimed = queue.claim("alice", TaskQueue.MAX_CLAIM, LEASE);
        Map<String, Task> byFrame = claimed.stream().collect(Collectors.toMap(Task::frameId, Function.identity()));
        claimed.stream().filter(t -> !t.frameId().equals(frameId)).forEach(t -> queue.release(t.taskId(), "alice"));
        return queue.submitLabel(byFrame.get(frameId).taskId(), "alice", label);
    }

}
