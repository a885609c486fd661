package io.gleaner.retrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.schema.EmbeddedPostgresExtension;
import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelArtifact;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.OptionalInt;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(EmbeddedPostgresExtension.class)
class ModelRegistryIT {
    private static DrivingModel model;

    private DataSource dataSource;
    private ModelRegistry registry;
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
        this.registry = new ModelRegistry(dataSource, DrivingScenes.spec().modelName());
    }

    private ModelArtifact register(int version, OptionalInt parent) {
        String parentVersion = parent.isPresent() ? Integer.toString(parent.getAsInt()) : "";
        ModelArtifact artifact = model.save(modelsDir.resolve("v" + version), Integer.toString(version), parentVersion,
                FineTuner.METHOD, Map.of(EvaluationGate.ACTION_MAE, 0.25 * version));
        registry.registerCandidate(version, parent, artifact);
        return artifact;
    }

    private int liveRows() throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM model_versions WHERE state = 'live'")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    @Test
    void anEmptyRegistryHasNoLiveVersionAndStartsAtOne() {
        assertThat(registry.liveVersion()).isEmpty();
        assertThat(registry.nextVersion()).isEqualTo(1);
    }

    @Test
    void promotingRetiresThePreviousLiveVersionSoExactlyOneIsLive() throws SQLException {
        ModelArtifact first = register(1, OptionalInt.empty());
        registry.promote(1);
        ModelArtifact second = register(2, OptionalInt.of(1));

        assertThat(registry.liveVersion()).contains(1);
        assertThat(registry.live().orElseThrow().artifactUri()).isEqualTo(first.uri());

        registry.promote(2);

        assertThat(liveRows()).isEqualTo(1);
        assertThat(registry.liveVersion()).contains(2);
        assertThat(registry.find(1).orElseThrow().state()).isEqualTo("retired");
        RegisteredModel live = registry.live().orElseThrow();
        assertThat(live.artifactUri()).isEqualTo(second.uri());
        assertThat(live.artifactSha256()).isEqualTo(second.sha256());
        assertThat(live.parentVersion()).hasValue(1);
        assertThat(live.metrics()).containsEntry(EvaluationGate.ACTION_MAE, 0.5);
        assertThat(registry.nextVersion()).isEqualTo(3);
    }

    @Test
    void aRejectedCandidateKeepsItsMetricsAndCannotGoLive() throws SQLException {
        register(1, OptionalInt.empty());
        registry.promote(1);
        register(2, OptionalInt.of(1));

        registry.reject(2, Map.of(EvaluationGate.ACTION_MAE, 0.9));

        assertThat(registry.find(2).orElseThrow().state()).isEqualTo("rejected");
        assertThat(registry.find(2).orElseThrow().metrics()).containsEntry(EvaluationGate.ACTION_MAE, 0.9);
        assertThatThrownBy(() -> registry.promote(2))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("v2")
                .hasMessageContaining("rejected");
        assertThat(registry.liveVersion()).contains(1);
        assertThat(liveRows()).isEqualTo(1);
    }

    @Test
    void promotingAnUnknownVersionChangesNothing() throws SQLException {
        register(1, OptionalInt.empty());
        registry.promote(1);

        assertThatThrownBy(() -> registry.promote(7)).hasMessageContaining("not registered");

        assertThat(registry.liveVersion()).contains(1);
        assertThat(liveRows()).isEqualTo(1);
    }

    @Test
    void anArtifactSavedUnderAnotherVersionIsRefused() {
        ModelArtifact artifact = model.save(modelsDir.resolve("v5"), "5", "", FineTuner.METHOD, Map.of());

        assertThatThrownBy(() -> registry.registerCandidate(6, OptionalInt.empty(), artifact))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("v5")
                .hasMessageContaining("v6");
    }

    @Test
    void registeringAVersionTwiceFails() {
        register(1, OptionalInt.empty());
        ModelArtifact again = model.save(modelsDir.resolve("again"), "1", "", FineTuner.METHOD, Map.of());

        assertThatThrownBy(() -> registry.registerCandidate(1, OptionalInt.empty(), again))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("register candidate v1");
    }
}
