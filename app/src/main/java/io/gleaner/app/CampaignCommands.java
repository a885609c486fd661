package io.gleaner.app;

import io.gleaner.app.ops.KafkaClientSettings;
import io.gleaner.queue.CampaignDraft;
import io.gleaner.schema.Topic;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.Campaign;
import io.gleaner.schema.v1.CampaignState;
import io.gleaner.schema.v1.Exemplar;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.uncertainty.CampaignSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gleaner campaign create|list|stop}: "find me more like this" campaigns, kept on the
 * compacted {@code campaigns} topic, which the running selection stage reads as a table, so a
 * campaign starts and stops firing without restarting it.
 *
 * <p>Exemplars are given as embeddings (a file, one per line) or as frame ids. A frame id is
 * resolved to its embedding by a bounded scan of {@code frames.scored}: the last
 * {@code --scan-records} records of each partition (the id of the model version that scored it goes
 * into the campaign with it). There is no frame store to ask yet; once the labeling API can serve a
 * frame's embedding, it replaces the scan. The same scan gives the campaign's center, the mean
 * embedding of the scanned frames, which the stage subtracts before the cosine (see
 * {@code Campaign.center}); {@code --no-center} leaves it out.
 */
@Command(name = "campaign", mixinStandardHelpOptions = true,
        description = "Create, list and stop \"find me more like this\" campaigns on the running selection stage.",
        subcommands = {CampaignCommands.Create.class, CampaignCommands.ListCampaigns.class, CampaignCommands.Stop.class})
final class CampaignCommands implements Runnable {
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration READ_LIMIT = Duration.ofMinutes(2);

    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: create, list or stop");
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Start a campaign: harvest frames whose embedding is within --threshold of an exemplar.")
    static final class Create implements Callable<Integer> {
        @Mixin ConnectionOptions connection;
        @Spec CommandSpec spec;

        @Option(names = "--name", required = true, description = "What people call the campaign.")
        String name;

        @Option(names = "--id", description = "Campaign id (lower-case letters, digits, dashes); default: from the name.")
        String id;

        @Option(names = "--exemplar-embedding-file", paramLabel = "FILE",
                description = "Exemplar embeddings, one per line: floats separated by commas or spaces, optionally"
                        + " after FRAME_ID and a colon; # starts a comment.")
        Path embeddingFile;

        @Option(names = "--exemplar-frame", paramLabel = "FRAME_ID", split = ",",
                description = "Exemplar frame ids, resolved to embeddings by scanning the end of frames.scored.")
        List<String> exemplarFrames;

        @Option(names = "--scan-records", defaultValue = "200000",
                description = "Records per partition of frames.scored scanned for --exemplar-frame (default ${DEFAULT-VALUE}).")
        long scanRecords;

        @Option(names = "--no-center",
                description = "Compare raw embeddings instead of subtracting the mean embedding of the scanned frames.")
        boolean noCenter;

        @Option(names = "--threshold", defaultValue = "0.5",
                description = "Cosine similarity to an exemplar at or above which a frame fires (default ${DEFAULT-VALUE}).")
        double threshold;

        @Option(names = "--budget", defaultValue = "500",
                description = "Most edge cases over the campaign's life (default ${DEFAULT-VALUE}).")
        long budget;

        @Option(names = "--until", defaultValue = "P7D",
                description = "End: an ISO-8601 instant (2026-12-01T00:00:00Z) or a duration from now (P7D, PT12H;"
                        + " default ${DEFAULT-VALUE}).")
        String until;

        @Override
        public Integer call() throws IOException {
            long now = System.currentTimeMillis();
            List<Exemplar> exemplars = new ArrayList<>();
            Campaign campaign;
            try {
                if (embeddingFile == null && (exemplarFrames == null || exemplarFrames.isEmpty())) {
                    throw new IllegalArgumentException("give --exemplar-embedding-file or --exemplar-frame");
                }
                if (embeddingFile != null) {
                    exemplars.addAll(readEmbeddings(Files.readAllLines(embeddingFile)));
                }
                List<String> frameIds = exemplarFrames != null ? exemplarFrames : List.of();
                EmbeddingMean center = new EmbeddingMean();
                if (!frameIds.isEmpty() || !noCenter) {
                    List<ScoredFrame> found = scan(connection.kafka(), frameIds, scanRecords, center);
                    if (!frameIds.isEmpty()) {
                        exemplars.addAll(exemplarsOf(frameIds, found));
                    }
                }
                if (!noCenter && center.count() == 0) {
                    throw new IllegalArgumentException("no scored frame with an embedding in the scanned end of "
                            + Topics.FRAMES_SCORED + " to center the embeddings on; score some frames first or give"
                            + " --no-center");
                }
                campaign = CampaignDraft.active(id != null ? id : CampaignDraft.idOf(name), name, exemplars, threshold,
                        budget, CampaignDraft.endTime(until, now), noCenter ? List.of() : center.mean(), now);
                CampaignSpec.of(campaign);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            publish(connection.kafka(), campaign);
            System.out.printf(Locale.ROOT, "campaign %s (%s): %d exemplars, threshold %.3f, budget %d, until %s%n",
                    campaign.getId(), campaign.getName(), campaign.getExemplarsCount(), campaign.getThreshold(),
                    campaign.getBudget(), Instant.ofEpochMilli(campaign.getEndTimeMs()));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the campaigns on the campaigns topic.")
    static final class ListCampaigns implements Callable<Integer> {
        @Mixin ConnectionOptions connection;

        @Override
        public Integer call() {
            print(readAll(connection.kafka()), System.currentTimeMillis(), System.out);
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a campaign; the stage stops firing it.")
    static final class Stop implements Callable<Integer> {
        @Mixin ConnectionOptions connection;
        @Spec CommandSpec spec;

        @Parameters(paramLabel = "ID", description = "The campaign to stop.")
        String id;

        @Override
        public Integer call() {
            Campaign campaign = readAll(connection.kafka()).get(id);
            if (campaign == null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "no campaign '" + id + "' on " + Topics.CAMPAIGNS + "; `gleaner campaign list` shows them");
            }
            publish(connection.kafka(), campaign.toBuilder().setState(CampaignState.CAMPAIGN_STATE_STOPPED).build());
            System.out.println("campaign " + id + " stopped");
            return 0;
        }
    }

    /**
     * Exemplars from the lines of an embedding file: one per line, floats separated by commas or
     * spaces, optionally after {@code FRAME_ID:}; blank lines and {@code #} comments are skipped.
     */
    static List<Exemplar> readEmbeddings(List<String> lines) {
        List<Exemplar> exemplars = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).replaceFirst("#.*", "").trim();
            if (line.isEmpty()) {
                continue;
            }
            Exemplar.Builder exemplar = Exemplar.newBuilder();
            int colon = line.indexOf(':');
            if (colon >= 0) {
                exemplar.setFrameId(line.substring(0, colon).trim());
                line = line.substring(colon + 1).trim();
            }
            for (String value : line.split("[,\\s]+")) {
                try {
                    exemplar.addEmbedding(Float.parseFloat(value));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("embedding file line " + (n + 1) + ": '" + value
                            + "' is not a number; write floats separated by commas or spaces", e);
                }
            }
            exemplars.add(exemplar.build());
        }
        return exemplars;
    }

    /** The exemplar of each frame id, in the order given, from scored frames read in any order; the last scoring wins. */
    static List<Exemplar> exemplarsOf(List<String> frameIds, Iterable<ScoredFrame> scored) {
        Set<String> wanted = new LinkedHashSet<>(frameIds);
        Map<String, Exemplar> found = new LinkedHashMap<>();
        for (ScoredFrame frame : scored) {
            String frameId = frame.getFrame().getFrameId();
            if (wanted.contains(frameId) && frame.getEmbeddingCount() > 0) {
                found.put(frameId, Exemplar.newBuilder().setFrameId(frameId)
                        .addAllEmbedding(frame.getEmbeddingList()).setModelVersion(frame.getModelVersion()).build());
            }
        }
        List<String> missing = wanted.stream().filter(id -> !found.containsKey(id)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("no scored frame with an embedding for " + missing + " in the scanned end of "
                    + Topics.FRAMES_SCORED + "; raise --scan-records or give --exemplar-embedding-file");
        }
        return wanted.stream().map(found::get).toList();
    }

    /**
     * The running mean of embeddings of one dimension: the first embedding added fixes it, and
     * embeddings of another dimension (another backbone) are left out.
     */
    static final class EmbeddingMean {
        private double[] sum;
        private long count;

        void add(List<Float> embedding) {
            if (embedding.isEmpty() || (sum != null && embedding.size() != sum.length)) {
                return;
            }
            if (sum == null) {
                sum = new double[embedding.size()];
            }
            for (int i = 0; i < sum.length; i++) {
                sum[i] += embedding.get(i);
            }
            count++;
        }

        long count() {
            return count;
        }

        List<Float> mean() {
            List<Float> mean = new ArrayList<>(sum == null ? 0 : sum.length);
            for (int i = 0; sum != null && i < sum.length; i++) {
                mean.add((float) (sum[i] / count));
            }
            return mean;
        }
    }

    /**
     * Reads the last {@code scanRecords} records of each partition of {@code frames.scored}: returns
     * the frames among {@code frameIds} and adds every embedding to {@code center}.
     */
    private static List<ScoredFrame> scan(KafkaClientSettings kafka, List<String> frameIds, long scanRecords,
                                          EmbeddingMean center) {
        List<ScoredFrame> scanned = new ArrayList<>();
        Set<String> wanted = Set.copyOf(frameIds);
        try (KafkaConsumer<String, ScoredFrame> consumer = consumer(kafka, Topics.FRAMES_SCORED)) {
            List<TopicPartition> partitions = partitions(consumer, Topics.FRAMES_SCORED);
            consumer.assign(partitions);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            for (TopicPartition partition : partitions) {
                consumer.seek(partition, Math.max(begin.get(partition), end.get(partition) - scanRecords));
            }
            readTo(consumer, end, record -> {
                if (record.value() == null) {
                    return;
                }
                center.add(record.value().getEmbeddingList());
                if (wanted.contains(record.value().getFrame().getFrameId())) {
                    scanned.add(record.value());
                }
            });
        }
        return scanned;
    }

    /** Every campaign on the topic: the latest record of each id, tombstones removing it. */
    static Map<String, Campaign> readAll(String bootstrapServers) {
        return readAll(KafkaClientSettings.plaintext(bootstrapServers));
    }

    static Map<String, Campaign> readAll(KafkaClientSettings kafka) {
        Map<String, Campaign> campaigns = new TreeMap<>();
        try (KafkaConsumer<String, Campaign> consumer = consumer(kafka, Topics.CAMPAIGNS)) {
            List<TopicPartition> partitions = partitions(consumer, Topics.CAMPAIGNS);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            readTo(consumer, consumer.endOffsets(partitions), record -> {
                if (record.value() == null) {
                    campaigns.remove(record.key());
                } else {
                    campaigns.put(record.key(), record.value());
                }
            });
        }
        return campaigns;
    }

    static void print(Map<String, Campaign> campaigns, long nowMs, PrintStream out) {
        out.printf(Locale.ROOT, "%-24s %-28s %-8s %9s %7s %9s  %s%n", "id", "name", "state", "exemplars", "budget",
                "threshold", "until");
        for (Campaign campaign : campaigns.values()) {
            String state = campaign.getState() != CampaignState.CAMPAIGN_STATE_ACTIVE ? "stopped"
                    : campaign.getEndTimeMs() <= nowMs ? "ended" : "active";
            out.printf(Locale.ROOT, "%-24s %-28s %-8s %9d %7d %9.3f  %s%n", campaign.getId(), campaign.getName(), state,
                    campaign.getExemplarsCount(), campaign.getBudget(), campaign.getThreshold(),
                    Instant.ofEpochMilli(campaign.getEndTimeMs()));
        }
    }

    private static void publish(KafkaClientSettings kafka, Campaign campaign) {
        Properties props = kafka.properties();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (Producer<String, Campaign> producer = new KafkaProducer<>(props,
                Topics.CAMPAIGNS.keySerde().serializer(), Topics.CAMPAIGNS.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.CAMPAIGNS.name(), campaign.getId(), campaign))
                    .get(READ_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing campaign " + campaign.getId(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not publish campaign " + campaign.getId() + " to " + Topics.CAMPAIGNS
                    + " at " + kafka.bootstrapServers() + " (" + e.getMessage() + "); is the broker up and the topic created"
                    + " (gleaner create-topics)?", e);
        }
    }

    private static <V> KafkaConsumer<String, V> consumer(KafkaClientSettings kafka, Topic<String, V> topic) {
        Properties props = kafka.properties();
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(props, topic.keySerde().deserializer(), topic.valueSerde().deserializer());
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, Topic<?, ?> topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), READ_LIMIT);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist; run gleaner create-topics");
        }
        return infos.stream().map(info -> new TopicPartition(info.topic(), info.partition())).toList();
    }

    /** Polls until every partition's position reaches {@code end}, handing each record to {@code sink}. */
    private static <V> void readTo(KafkaConsumer<String, V> consumer, Map<TopicPartition, Long> end,
                                   java.util.function.Consumer<ConsumerRecord<String, V>> sink) {
        long deadline = System.nanoTime() + READ_LIMIT.toNanos();
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("reading " + end.keySet() + " to its end took over " + READ_LIMIT
                        + "; is the broker reachable?");
            }
            consumer.poll(POLL).forEach(sink);
        }
    }
}
