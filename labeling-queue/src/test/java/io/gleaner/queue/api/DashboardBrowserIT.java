package io.gleaner.queue.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import io.gleaner.queue.EdgeCases;
import io.gleaner.queue.TaskStore;
import io.gleaner.schema.EmbeddedPostgresExtension;
import io.gleaner.schema.v1.Campaign;
import io.gleaner.schema.v1.EdgeCase;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;

/**
 * The dashboard in a real browser: Debian's headless Chromium, driven by Selenium through
 * chromedriver, against the API on an ephemeral port and a real PostgreSQL. A labeler logs in
 * with a token and labels three tasks with the keyboard only; the counters on the page move and
 * the labels are in the database. Screenshots land in {@code target/dashboard-it/}.
 *
 * <p>Skips itself when chromium or chromedriver is not installed ({@code apt-get install chromium
 * chromium-driver}; {@code .ci/run} installs both). {@code GLEANER_CHROMIUM} and
 * {@code GLEANER_CHROMEDRIVER} name other binaries.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class DashboardBrowserIT {
    private static final Path ARTIFACTS = Path.of("target", "dashboard-it");
    private static final Duration WAIT = Duration.ofSeconds(20);

    private DataSource dataSource;
    private QueueApiServer server;
    private WebDriver browser;
    private String token;
    private final List<Campaign> published = new CopyOnWriteArrayList<>();
    private Path profile;

    @BeforeEach
    void setUp(DataSource dataSource) throws IOException {
        Optional<Path> chromium = binary("GLEANER_CHROMIUM", "chromium", "chromium-browser");
        Optional<Path> driver = binary("GLEANER_CHROMEDRIVER", "chromedriver");
        assumeTrue(chromium.isPresent() && driver.isPresent(),
                "skipped: the dashboard browser test needs Debian's chromium and chromedriver on the PATH"
                        + " (apt-get install -y chromium chromium-driver; .ci/run installs them); found chromium="
                        + chromium.map(Path::toString).orElse("none") + ", chromedriver="
                        + driver.map(Path::toString).orElse("none"));
        this.dataSource = dataSource;
        TaskStore store = new TaskStore(dataSource);
        for (int i = 1; i <= 5; i++) {
            store.insert(withEmbedding(withRealImage(EdgeCases.edgeCase("frame-" + i, 10 - i), i), i));
        }
        registerModelVersions();
        token = new ApiTokens(dataSource).create("alice", "labeler").token();
        server = QueueApiServer.start(dataSource, ServeConfig.defaults().withPort(0), published::add);

        profile = Files.createTempDirectory("gleaner-chromium-");
        ChromeOptions options = new ChromeOptions()
                .setBinary(chromium.get().toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--no-first-run", "--window-size=1400,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driver.get().toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        Files.createDirectories(ARTIFACTS);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aLabelerLogsInAndLabelsThreeTasksWithTheKeyboard() throws Exception {
        browser.get("http://127.0.0.1:" + server.port() + "/");
        assertThat(browser.getCurrentUrl()).endsWith("/ui/");

        browser.findElement(By.id("token")).sendKeys(token, Keys.ENTER);
        await().atMost(WAIT).until(() -> !text("task-id").isEmpty());
        assertThat(text("who")).isEqualTo("alice (labeler)");
        assertThat(text("count-labeled")).isEqualTo("0");
        await().atMost(WAIT).until(() -> text("queue-pending").equals("4"));
        assertThat(text("frame-id")).isEqualTo("frame-1");
        assertThat(browser.findElement(By.id("triggers")).getText()).contains("action_disagreement", "0.875", "0.500");
        assertThat(browser.findElement(By.id("more-like-this")).isDisplayed()).as("admins only").isFalse();
        screenshot("first-task.png");

        List<String> labeledTasks = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            String taskId = text("task-id");
            labeledTasks.add(taskId);
            // Scene 2 (pedestrian_crossing), steer 0.10 further left than the driver, brake 0.05 more.
            new Actions(browser).sendKeys("2").sendKeys(Keys.ARROW_LEFT).sendKeys(Keys.ARROW_LEFT)
                    .sendKeys(Keys.ARROW_DOWN).perform();
            await().atMost(WAIT).until(() -> text("steering").equals("-0.35") && text("acceleration").equals("0.45"));
            if (i == 3) {
                screenshot("labeling.png");
            }
            new Actions(browser).sendKeys(Keys.ENTER).perform();
            String labeled = String.valueOf(i);
            await().atMost(WAIT).until(() -> text("count-labeled").equals(labeled) && !text("task-id").equals(taskId));
        }

        await().atMost(WAIT).until(() -> text("queue-labeled").equals("3"));
        assertThat(text("count-labeled")).isEqualTo("3");
        assertThat(text("queue-pending")).as("5 tasks: 3 labeled, 1 open in the browser").isEqualTo("1");
        assertThat(text("task-id")).isNotIn(labeledTasks);
        assertThat(labelsOf("alice")).containsExactly(
                Map.entry("frame-1", "pedestrian_crossing -0.35 0.45"),
                Map.entry("frame-2", "pedestrian_crossing -0.35 0.45"),
                Map.entry("frame-3", "pedestrian_crossing -0.35 0.45"));

        browser.findElement(By.id("nav-team")).click();
        await().atMost(WAIT).until(() -> text("team-status").startsWith("updated"));
        assertThat(browser.findElement(By.id("label-view")).isDisplayed()).isFalse();
        assertThat(browser.findElement(By.id("chart-models")).isDisplayed()).isTrue();
        screenshot("team.png");
    }

    @Test
    void anAdminSeesTheNearestFramesAndStartsACampaignFromTheTask() throws Exception {
        String admin = new ApiTokens(dataSource).create("root", "admin").token();
        browser.get("http://127.0.0.1:" + server.port() + "/ui/");
        browser.findElement(By.id("token")).sendKeys(admin, Keys.ENTER);
        await().atMost(WAIT).until(() -> text("frame-id").equals("frame-1"));

        browser.findElement(By.id("more-like-this")).click();
        await().atMost(WAIT).until(() -> browser.findElements(By.cssSelector("#similar li")).size() == 4);
        List<WebElement> similar = browser.findElements(By.cssSelector("#similar li span"));
        assertThat(similar.get(0).getText()).as("frame-2's embedding is the nearest to frame-1's").startsWith("frame-2 · ");
        assertThat(similar.get(3).getText()).startsWith("frame-5 · ");
        await().atMost(WAIT).until(() -> Boolean.TRUE.equals(((ChromeDriver) browser).executeScript(
                "return [...document.querySelectorAll('#similar img')].every(i => i.complete && i.naturalWidth > 0)")));
        screenshot("more-like-this.png");

        browser.findElement(By.id("start-campaign")).click();
        await().atMost(WAIT).until(() -> text("status").startsWith("Campaign more-like-frame-1 started"));
        assertThat(published).hasSize(1);
        assertThat(published.get(0).getExemplars(0).getFrameId()).isEqualTo("frame-1");
    }

    /** Embeddings at angles 10°·seed on the unit circle, so cosine order follows the seed distance. */
    private static EdgeCase withEmbedding(EdgeCase edgeCase, int seed) {
        EdgeCase.Builder builder = edgeCase.toBuilder();
        double angle = Math.toRadians(10.0 * seed);
        builder.getScoredBuilder().addEmbedding((float) Math.cos(angle)).addEmbedding((float) Math.sin(angle));
        return builder.build();
    }

    /** Three versions an hour apart, the second rejected, so the team view's timeline has something to draw. */
    private void registerModelVersions() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement("""
                        INSERT INTO model_versions (model_name, version, parent_version, artifact_uri, artifact_sha256,
                                                    metrics, state, created_at)
                        VALUES (?, ?, ?, ?, ?, ?::jsonb, ?::model_state, now() - make_interval(hours => ?))""")) {
            String[] states = {"retired", "rejected", "live"};
            for (int v = 1; v <= 3; v++) {
                st.setString(1, "driving");
                st.setInt(2, v);
                st.setObject(3, v == 1 ? null : v == 3 ? 1 : v - 1, java.sql.Types.INTEGER);
                st.setString(4, "file:///models/v" + v);
                st.setString(5, "0".repeat(63) + v);
                st.setString(6, "{\"action_error\": " + (0.3 - v * 0.05) + "}");
                st.setString(7, states[v - 1]);
                st.setInt(8, 3 - v);
                st.executeUpdate();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("registering test model versions", e);
        }
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private void screenshot(String name) throws IOException {
        Path shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, ARTIFACTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    private List<Map.Entry<String, String>> labelsOf(String labelerId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement("""
                        SELECT t.frame_id, l.scene, l.steering, l.acceleration FROM labels l
                        JOIN edge_case_tasks t USING (task_id) WHERE l.labeler_id = ? ORDER BY t.frame_id""")) {
            st.setString(1, labelerId);
            List<Map.Entry<String, String>> labels = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    labels.add(Map.entry(rs.getString(1), String.format("%s %.2f %.2f",
                            rs.getString(2), rs.getFloat(3), rs.getFloat(4))));
                }
            }
            return labels;
        }
    }

    /** The test edge case with a real PNG (a road-ish gradient with a marker), so the page has a frame to draw. */
    private static EdgeCase withRealImage(EdgeCase edgeCase, int seed) {
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(90, 140, 200));
        g.fillRect(0, 0, 64, 24);
        g.setColor(new Color(60, 60, 60));
        g.fillRect(0, 24, 64, 24);
        g.setColor(Color.ORANGE);
        g.fillRect(8 + seed * 8, 28, 6, 12);
        g.dispose();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        EdgeCase.Builder builder = edgeCase.toBuilder();
        builder.getScoredBuilder().getFrameBuilder().getImageBuilder().setData(ByteString.copyFrom(png.toByteArray()));
        return builder.build();
    }

    private static Optional<Path> binary(String variable, String... names) {
        String configured = System.getenv(variable);
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        String pathVariable = Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin");
        for (String name : names) {
            for (String folder : pathVariable.split(java.io.File.pathSeparator)) {
                Path candidate = Path.of(folder, name);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }
}
