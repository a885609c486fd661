package io.gleaner.retrain.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FolderArtifactStoreTest {
    @TempDir
    Path temp;
    private Path root;
    private Path outside;
    private FolderArtifactStore store;

    @BeforeEach
    void setUp() throws IOException {
        root = temp.resolve("models");
        outside = Files.createDirectories(temp.resolve("secrets"));
        Files.writeString(outside.resolve("manifest.json"), "{}");
        store = new FolderArtifactStore(root);
    }

    private URI putArtifact(String key, String content) throws IOException {
        Path staged = store.stage(key);
        Files.writeString(staged.resolve("manifest.json"), content);
        return store.put(key, staged);
    }

    @Test
    void anArtifactPutUnderAKeyOpensFromItsUriWithItsContent() throws IOException {
        URI uri = putArtifact("gleaner-driving/v3", "{\"version\": \"3\"}");

        assertThat(uri).isEqualTo(store.resolve("gleaner-driving/v3"));
        assertThat(uri.getScheme()).isEqualTo("file");
        Path opened = store.open(uri);
        assertThat(opened).isEqualTo(store.root().resolve("gleaner-driving").resolve("v3"));
        assertThat(Files.readString(opened.resolve("manifest.json"))).isEqualTo("{\"version\": \"3\"}");
        try (var staging = Files.list(store.root().resolve(".staging"))) {
            assertThat(staging).as("moved, not copied").isEmpty();
        }
    }

    @Test
    void aKeyStoredTwiceKeepsTheEarlierArtifactAsideInsteadOfOverwritingIt() throws IOException {
        putArtifact("m/v2", "first");
        URI uri = putArtifact("m/v2", "second");

        assertThat(Files.readString(store.open(uri).resolve("manifest.json"))).isEqualTo("second");
        try (var siblings = Files.list(store.root().resolve("m"))) {
            assertThat(siblings.map(p -> p.getFileName().toString())).hasSize(2)
                    .anySatisfy(name -> assertThat(name).startsWith("v2.abandoned-"));
        }
    }

    @Test
    void openingAnUnstoredArtifactSaysWhereItLooked() {
        assertThatThrownBy(() -> store.open(store.resolve("m/v9")))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("no artifact is stored at").hasMessageContaining("--models-dir");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", "../secrets", "m/../../secrets", "/etc/passwd", "m//v1", "m/v1/", ".staging/x",
            "m/.hidden", "m\\..\\..\\secrets", "m/v1\u0000", "C:/windows"})
    void keysThatAreNotRelativePathsOfPlainNamesAreRefused(String key) {
        assertThatThrownBy(() -> store.resolve(key))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("artifact key").hasMessageContaining("refused");
        assertThatThrownBy(() -> store.stage(key)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void uriOutsideTheStoreAreRefusedHoweverTheyAreSpelled() {
        String rootUri = store.root().toUri().toString(); // ends with '/'
        for (String hostile : new String[] {
                outside.toUri().toString(),
                rootUri + "../secrets",
                rootUri + "m/../../secrets",
                rootUri + "%2e%2e/secrets",
                rootUri + "./m/v1",
                rootUri,
                "file:///etc/passwd",
                "file://evil.example/" + store.root() + "/m/v1",
                rootUri + "m/v1?x=1",
                rootUri + "m/v1#frag",
                "s3://bucket/m/v1",
                "http://localhost/m/v1",
                "file:m/v1",
                "m/v1"}) {
            assertThatThrownBy(() -> store.open(URI.create(hostile))).as(hostile)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("refused");
        }
    }

    @Test
    void aSymbolicLinkInsideTheStoreThatLeadsOutIsRefusedForReadingAndWriting() throws IOException {
        Files.createDirectories(store.root().resolve("m"));
        Files.createSymbolicLink(store.root().resolve("m").resolve("v1"), outside);
        Files.createSymbolicLink(store.root().resolve("linked"), outside);

        assertThatThrownBy(() -> store.open(store.resolve("m/v1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside the artifact store");
        Path staged = store.stage("linked/v2");
        Files.writeString(staged.resolve("manifest.json"), "x");
        assertThatThrownBy(() -> store.put("linked/v2", staged))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside the artifact store");
        assertThat(outside.resolve("v2")).doesNotExist();
        assertThat(Files.readString(outside.resolve("manifest.json"), StandardCharsets.UTF_8)).isEqualTo("{}");
    }
}
