package io.gleaner.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gleaner bench al campaign --quick} on a fixed seed: the campaign finds its scenario far above the base rate. */
class CampaignBenchmarkTest {
    @TempDir
    Path out;

    @Test
    void aQuickRunsCampaignIsFarMorePreciseThanRandomHarvesting() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            exit = new CommandLine(new CampaignBenchmark()).execute("--quick", "--out", out.toString());
        } finally {
            System.setOut(original);
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        original.print(printed);
        assertThat(exit).isZero();
        List<String> lines = printed.lines().toList();
        String result = lines.get(lines.size() - 1);
        assertThat(result).startsWith("RESULT bench-al-campaign precision=");
        double precision = Double.parseDouble(result.replaceAll(".*precision=([0-9.]+).*", "$1"));
        double recall = Double.parseDouble(result.replaceAll(".*recall=([0-9.]+).*", "$1"));
        double baseRate = Double.parseDouble(printed.replaceAll("(?s).*\\(base rate ([0-9.]+) =.*", "$1"));
        assertThat(precision).as("precision against the base rate %s", baseRate).isGreaterThan(5 * baseRate);
        assertThat(recall).isGreaterThan(0.1);
        assertThat(Files.readAllLines(out.resolve("campaign.csv")).get(0)).isEqualTo("threshold,fired,hits,precision,recall,base_rate");
        assertThat(Files.size(out.resolve("campaign.png"))).isPositive();
    }

    @Test
    void aRowCountsFramesAtOrAboveTheThreshold() {
        CampaignBenchmark.Row row = CampaignBenchmark.row(0.9, new double[] {0.95, 0.9, 0.5, 0.99},
                new boolean[] {true, false, true, true}, 3);
        assertThat(row.fired()).isEqualTo(3);
        assertThat(row.hits()).isEqualTo(2);
        assertThat(row.precision()).isEqualTo(2 / 3.0);
        assertThat(row.recall()).isEqualTo(2 / 3.0);
    }
}
