package io.gleaner.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.scorer.model.Backbone;
import io.gleaner.scorer.model.ModelManifest;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gleaner pretrain} on a folder and {@code gleaner eval probe --quick} on Fashion-MNIST, in-process. */
class PretrainAndProbeCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = new CommandLine(new GleanerCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void quickProbeLearnsSomethingAndEndsWithTheResultLine(@TempDir Path dir) {
        int exit = run("eval", "probe", "--quick", "--output", dir.resolve("ssl").toString());
        assertThat(exit).as(err.toString()).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines.get(0)).startsWith("device: cpu").contains("intra-op threads").contains("load average");

        Matcher loss = Pattern.compile("loss (\\d+\\.\\d+) -> (\\d+\\.\\d+) over 2 epochs").matcher(out.toString());
        assertThat(loss.find()).as(out.toString()).isTrue();
        assertThat(Double.parseDouble(loss.group(2))).isLessThan(Double.parseDouble(loss.group(1)));

        String last = lines.get(lines.size() - 1);
        Matcher result = Pattern.compile("RESULT eval-probe ssl=(\\S+) raw=(\\S+) random_init=(\\S+) pretrain_minutes=(\\d+\\.\\d)")
                .matcher(last);
        assertThat(result.matches()).as(last).isTrue();
        // Chance is 0.1 for ten classes; raw pixels reach about 0.8 even at this size.
        assertThat(Double.parseDouble(result.group(1))).isGreaterThan(0.3);
        assertThat(Double.parseDouble(result.group(2))).isGreaterThan(0.7);
        assertThat(Double.parseDouble(result.group(3))).isGreaterThan(0.2);

        // The artifact it saved loads with its SHA-256 checked and says how it was made.
        try (Backbone loaded = Backbone.load(dir.resolve("ssl"), null)) {
            ModelManifest m = loaded.manifest();
            assertThat(m.method()).isEqualTo("simclr");
            assertThat(m.epochs()).isEqualTo(2);
            assertThat(m.data()).isEqualTo("fashion-mnist:train[0..2048) 2048 images");
            assertThat(m.metrics()).containsKey("pretrain_seconds");
        }
    }

    @Test
    void pretrainsOnAFolderAndRefusesToOverwriteAnArtifact(@TempDir Path dir)
            throws IOException {
        Path frames = dir.resolve("frames");
        Files.createDirectories(frames);
        Random random = new Random(1);
        for (int i = 0; i < 40; i++) {
            BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
            int x = random.nextInt(25);
            for (int y = 5; y < 25; y++) {
                for (int dx = 0; dx < 12; dx++) {
                    image.setRGB(x + dx, y, 0xFF8040 + random.nextInt(64));
                }
            }
            ImageIO.write(image, "png", frames.resolve(String.format("f%03d.png", i)).toFile());
        }
        Files.writeString(frames.resolve("broken.png"), "not a png");
        String output = dir.resolve("bb").toString();
        String[] args = {"pretrain", "--source", frames.toString(), "--size", "32", "--epochs", "2", "--batch", "16",
                "--width", "8", "--stages", "2", "--augment", "blur=0", "--augment", "flip=1", "--output", output};

        assertThat(run(args)).as(err.toString()).isZero();
        assertThat(out.toString()).contains("skipped 1 unreadable files")
                .contains("flipProbability=1.0").contains("blurProbability=0.0").contains("cropScaleMin=0.25")
                .contains("40 images of 3x32x32")
                .containsPattern("simclr epoch 2/2 done: loss \\d+\\.\\d+, embedding std")
                .containsPattern("RESULT pretrain method=simclr epochs=2 loss=\\S+ effective_rank=\\S+ pretrain_s=\\d+");
        try (Backbone loaded = Backbone.load(Path.of(output), null)) {
            assertThat(loaded.spec().inputChannels()).isEqualTo(3);
            assertThat(loaded.spec().inputSize()).isEqualTo(32);
        }

        assertThat(run(args)).isNotZero();
        assertThat(err.toString()).contains("already holds an artifact");
    }

    @Test
    void anUnknownAugmentationIsRefusedWithTheNamesThatExist(@TempDir Path dir) {
        int exit = run("pretrain", "--augment", "hue=0.1", "--output", dir.resolve("bb").toString());
        assertThat(exit).isNotZero();
        assertThat(err.toString()).contains("unknown augmentation 'hue'").contains("crop-scale-min");
        assertThat(dir.resolve("bb")).doesNotExist();
    }

    @Test
    void evalProbePretrainsEighteenEpochsUnlessToldOtherwise() {
        assertThat(probeParsedFrom("eval", "probe").pretrainEpochs()).isEqualTo(EvalCommands.Probe.DEFAULT_EPOCHS)
                .isEqualTo(18);
        assertThat(probeParsedFrom("eval", "probe", "--epochs", "10").pretrainEpochs()).isEqualTo(10);
    }

    private static EvalCommands.Probe probeParsedFrom(String... args) {
        CommandLine.ParseResult parsed = new CommandLine(new GleanerCommand()).parseArgs(args);
        return (EvalCommands.Probe) parsed.subcommand().subcommand().commandSpec().userObject();
    }
}
