package io.gleaner.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.app.infra.EmbeddedKafka;
import io.gleaner.schema.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A short {@code gleaner bench ingest} on the embedded broker: the stage, paused and resumed for
 * each repetition, takes in every frame, and the run ends with the RESULT line. And one of other
 * frames against a broker of its own ({@code --bootstrap-servers}), which the run leaves as it
 * found it, and which is refused once it holds a Gleaner topic.
 */
class IngestBenchmarkIT {
    @Test
    void aShortRunTimesTheStageAndTheLoopAndEndsWithTheResultLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            exit = new CommandLine(new IngestBenchmark()).execute(
                    "--frames", "2000", "--repeats", "2", "--max-warmups", "1", "--vehicles", "16");
        } finally {
            System.setOut(original);
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        System.out.print(printed);
        assertThat(exit).isZero();
        assertThat(printed).contains("from 16 vehicles; frames.raw 2 partitions (frames in each: [",
                "stage run 2: 1800 of 2000 frames processed", "stage: stream thread blocked on Kafka, %");
        String partitionCounts = printed.replaceAll("(?s).*frames in each: \\[([0-9, ]+)\\].*", "$1");
        assertThat(partitionCounts.split(", ")).as("16 vehicles' frames reach both partitions")
                .hasSize(2).allSatisfy(count -> assertThat(Integer.parseInt(count)).isPositive());
        String result = printed.lines().filter(line -> line.startsWith("RESULT bench-ingest")).findFirst().orElseThrow();
        assertThat(result).matches("RESULT bench-ingest ratio=[0-9.]+ frames_per_s=[0-9]+ loop_frames_per_s=[0-9]+"
                + " loop_cpu_us=[0-9.]+ stream_thread_cpu_us=[0-9.]+ stage_cpu_us=[0-9.]+ committed_frames_per_s=[0-9]+");
        double ratio = Double.parseDouble(result.replaceAll(".*ratio=([0-9.]+) .*", "$1"));
        assertThat(ratio).as("the stage took in every frame at a measurable rate").isPositive();
    }

    @Test
    void aBrokerOfItsOwnIsLeftAsItWasFoundAndOneWithGleanerTopicsIsRefused(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            String[] args = {"--frames", "2000", "--repeats", "1", "--max-warmups", "1", "--size", "96",
                             "--encoding", "JPEG", "--bootstrap-servers", broker.bootstrapServers()};
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            PrintStream original = System.out;
            int exit;
            try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
                System.setOut(capture);
                exit = new CommandLine(new IngestBenchmark()).execute(args);
            } finally {
                System.setOut(original);
            }
            String printed = bytes.toString(StandardCharsets.UTF_8);
            System.out.print(printed);
            assertThat(exit).isZero();
            assertThat(printed).contains("96x96 IMAGE_ENCODING_JPEG", "the broker at " + broker.bootstrapServers(),
                    "RESULT bench-ingest ratio=");
            assertThat(admin.listTopics().names().get()).as("the benchmark deleted what it made")
                    .noneMatch(name -> name.startsWith("frames.") || name.startsWith("gleaner-ingest-bench-"));
            assertThat(admin.listConsumerGroups().all().get()).isEmpty();

            admin.createTopics(List.of(new NewTopic(Topics.FRAMES_RAW.name(), 1, (short) 1))).all().get();
            StringWriter errors = new StringWriter();
            int refused = new CommandLine(new IngestBenchmark()).setErr(new PrintWriter(errors)).execute(args);
            assertThat(refused).isNotZero();
            assertThat(errors.toString()).contains("already has Gleaner's topics [" + Topics.FRAMES_RAW.name() + "]",
                    "give it a broker of its own");
            assertThat(admin.listTopics().names().get()).as("nothing was made on a refused broker")
                    .containsExactly(Topics.FRAMES_RAW.name());
        }
    }
}
