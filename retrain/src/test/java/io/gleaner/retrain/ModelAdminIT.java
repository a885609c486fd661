package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.retrain.artifact.FolderArtifactStore;
import io.gleaner.schema.EmbeddedPostgresExtension;
import io.gleaner.schema.Topics;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelArtifact;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Promotions and rollbacks by hand on a real PostgreSQL; announcements go to a {@link MockProducer}. */
@ExtendWith(EmbeddedPostgresExtension.class)
class ModelAdminIT {
    private static final String MODEL = DrivingScenes.spec().modelName();
    private static DrivingModel model;

    private ModelRegistry registry;
    private FolderArtifactStore store;
    private MockProducer<String, ModelUpdate> producer;
    private ModelAdmin admin;
    private DataSource dataSource;
    @TempDir
    Path modelsDir;

    @BeforeAll
    static void createModel() {
        model = DrivingModel.create(DrivingScenes.spec(), 5L);
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    @BeforeEach
    void setUp(DataSource dataSource) {
        this.dataSource = dataSource;
        registry = new ModelRegistry(dataSource, MODEL);
        store = new FolderArtifactStore(modelsDir);
        producer = new MockProducer<>(true, null, Topics.MODEL_UPDATES.keySerde().serializer(),
                Topics.MODEL_UPDATES.valueSerde().serializer());
        admin = new ModelAdmin(dataSource, registry, new ModelPublisher(producer), store);
        // v1 the seed, live then retired; v2 live, fine-tuned from v1; v3 rejected by the gate.
        register(1, OptionalInt.empty());
        registry.promote(1, "bootstrap", "seed");
        register(2, OptionalInt.of(1));
        registry.promote(2, "retrain", "run 1");
        register(3, OptionalInt.of(2));
        registry.reject(3, Map.of(EvaluationGate.ACTION_MAE, 0.9));
    }

    private void register(int version, OptionalInt parent) {
        String key = MODEL + "/v" + version;
        ModelArtifact staged = model.save(store.stage(key), Integer.toString(version),
                parent.isPresent() ? Integer.toString(parent.getAsInt()) : "", FineTuner.METHOD,
                Map.of(EvaluationGate.ACTION_MAE, 0.1 * version));
        URI uri = store.put(key, staged.dir());
        registry.registerCandidate(version, parent, new ModelArtifact(store.open(uri), staged.manifest(),
                staged.sha256(), uri));
    }

    private List<String> announced() {
        return producer.history().stream().map(ProducerRecord::value).map(ModelUpdate::getVersion).toList();
    }

    @Test
    void promotingARejectedVersionOverrulesTheGateRecordsWhoAndAnnouncesIt() {
        RegisteredModel live = admin.promote(3, "lead", "better on the night scenes we care about");

        assertThat(live.version()).isEqualTo(3);
        assertThat(registry.find(2).orElseThrow().state()).isEqualTo("retired");
        assertThat(announced()).containsExactly("3");
        ModelUpdate update = producer.history().get(0).value();
        assertThat(update.getParentVersion()).isEqualTo("2");
        assertThat(update.getArtifactSha256()).isEqualTo(registry.find(3).orElseThrow().artifactSha256());
        assertThat(update.getArtifactUri()).isEqualTo(store.resolve(MODEL + "/v3").toString());
    }

    @Test
    void rollbackWalksBackAlongWhatWasLiveAndNeverToARolledBackVersion() {
        admin.promote(3, "lead", "try it");

        assertThat(admin.rollback("lead", "worse in rain").version()).isEqualTo(2);
        assertThat(registry.find(3).orElseThrow().state()).as("rolled back, not to be rolled back to").isEqualTo("rejected");
        assertThat(admin.rollback("lead", "still bad").version()).isEqualTo(1);
        assertThat(registry.find(2).orElseThrow().state()).isEqualTo("rejected");
        assertThat(announced()).containsExactly("3", "2", "1");

        assertThatThrownBy(() -> admin.rollback("lead", "again"))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("v1 is live and no version was live before it");
        assertThat(registry.liveVersion()).contains(1);
    }

    @Test
    void anUnknownVersionIsRefusedListingTheRegisteredOnes() {
        assertThatThrownBy(() -> admin.promote(9, "lead", "typo"))
                .isInstanceOf(RegistryException.class)
                .hasMessage(MODEL + " has no version 9; registered: v1 (retired), v2 (live), v3 (rejected)");
        assertThat(announced()).isEmpty();
    }

    @Test
    void whileARetrainRunHoldsTheLockNoChangeIsMade() {
        try (RetrainLock.Held run = new RetrainLock(dataSource, MODEL).tryAcquire().orElseThrow()) {
            assertThatThrownBy(() -> admin.rollback("lead", "now"))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("holds the model's lock");
        }
        assertThat(registry.liveVersion()).contains(2);
        assertThat(announced()).isEmpty();
    }

    @Test
    void theRegistryListsEveryVersionWithStateParentAndCreationTime() {
        List<RegisteredModel> all = registry.list();

        assertThat(all).extracting(RegisteredModel::version).containsExactly(1, 2, 3);
        assertThat(all).extracting(RegisteredModel::state).containsExactly("retired", "live", "rejected");
        assertThat(all.get(2).parentVersion()).hasValue(2);
        assertThat(all.get(2).metrics()).containsEntry(EvaluationGate.ACTION_MAE, 0.9);
        assertThat(all.get(0).createdAt()).isBeforeOrEqualTo(all.get(2).createdAt());
    }
}
