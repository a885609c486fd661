package io.gleaner.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.queue.CampaignDraft;
import io.gleaner.schema.v1.Campaign;
import io.gleaner.schema.v1.CampaignState;
import io.gleaner.schema.v1.Exemplar;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.ScoredFrame;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parts of {@code gleaner campaign} that need no broker: exemplars from a file or from scored frames, ids, ends. */
class CampaignCommandsTest {

    @Test
    void anEmbeddingFileGivesOneExemplarPerLineWithOrWithoutAFrameId() {
        List<Exemplar> exemplars = CampaignCommands.readEmbeddings(List.of(
                "# debris seen on 11/27", "", "f-17: 0.5, -0.25 1", "0 1e-3 2  # no id"));
        assertThat(exemplars).extracting(Exemplar::getFrameId).containsExactly("f-17", "");
        assertThat(exemplars.get(0).getEmbeddingList()).containsExactly(0.5f, -0.25f, 1f);
        assertThat(exemplars.get(1).getEmbeddingList()).containsExactly(0f, 0.001f, 2f);
        assertThatThrownBy(() -> CampaignCommands.readEmbeddings(List.of("1, 2", "1, x")))
                .hasMessageContaining("embedding file line 2: 'x' is not a number");
    }

    @Test
    void frameIdsResolveToTheEmbeddingOfTheirLatestScoringInTheOrderGiven() {
        List<ScoredFrame> scanned = List.of(scored("f-2", "m-1", 1f, 0f), scored("f-1", "m-1", 0f, 1f),
                scored("f-2", "m-2", 0.6f, 0.8f), scored("f-9", "m-2", 1f, 1f));
        List<Exemplar> exemplars = CampaignCommands.exemplarsOf(List.of("f-1", "f-2"), scanned);
        assertThat(exemplars).extracting(Exemplar::getFrameId, Exemplar::getModelVersion)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("f-1", "m-1"),
                        org.assertj.core.groups.Tuple.tuple("f-2", "m-2"));
        assertThat(exemplars.get(1).getEmbeddingList()).containsExactly(0.6f, 0.8f);
        assertThatThrownBy(() -> CampaignCommands.exemplarsOf(List.of("f-1", "f-404"), scanned))
                .hasMessageContaining("[f-404]").hasMessageContaining("--scan-records");
    }

    @Test
    void theCenterIsTheMeanOfTheEmbeddingsOfTheFirstDimensionSeen() {
        CampaignCommands.EmbeddingMean mean = new CampaignCommands.EmbeddingMean();
        mean.add(List.of(1f, 2f));
        mean.add(List.of());
        mean.add(List.of(9f, 9f, 9f));
        mean.add(List.of(3f, 0f));
        assertThat(mean.count()).isEqualTo(2);
        assertThat(mean.mean()).containsExactly(2f, 1f);
    }

    @Test
    void idsComeFromNamesAndEndsFromInstantsOrDurations() {
        assertThat(CampaignDraft.idOf("  Debris at Dusk! (v2)")).isEqualTo("debris-at-dusk-v2");
        assertThat(CampaignDraft.endTime("PT1H", 1_000L)).isEqualTo(3_601_000L);
        assertThat(CampaignDraft.endTime("1970-01-01T00:00:10Z", 1_000L)).isEqualTo(10_000L);
        assertThatThrownBy(() -> CampaignDraft.endTime("tomorrow", 0L)).hasMessageContaining("--until 'tomorrow'");
    }

    @Test
    void theListSaysWhichCampaignsAreActiveStoppedOrEnded() {
        Campaign active = Campaign.newBuilder().setId("a").setName("live one").setBudget(5).setThreshold(0.9)
                .setEndTimeMs(2_000).setState(CampaignState.CAMPAIGN_STATE_ACTIVE).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CampaignCommands.print(Map.of("a", active,
                "b", active.toBuilder().setId("b").setState(CampaignState.CAMPAIGN_STATE_STOPPED).build(),
                "c", active.toBuilder().setId("c").setEndTimeMs(500).build()), 1_000, new PrintStream(bytes, true,
                StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("a ").contains("active"))
                .anySatisfy(line -> assertThat(line).startsWith("b ").contains("stopped"))
                .anySatisfy(line -> assertThat(line).startsWith("c ").contains("ended"));
    }

    private static ScoredFrame scored(String frameId, String version, float... embedding) {
        ScoredFrame.Builder frame = ScoredFrame.newBuilder().setFrame(FrameEvent.newBuilder().setFrameId(frameId))
                .setModelVersion(version);
        for (float x : embedding) {
            frame.addEmbedding(x);
        }
        return frame.build();
    }
}
