package io.gleaner.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.app.GleanerCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A short {@code gleaner bench queue} on an embedded PostgreSQL: the RESULT line and its promises. */
class QueueBenchmarkIT {
    private static final Pattern RESULT = Pattern.compile(
            "RESULT bench-queue pairs_per_s=(\\d+) p99_ms=([0-9.]+) double_claims=(\\d+) lost=(\\d+)");

    @Test
    void aShortRunClaimsAndSubmitsWithNoDoubleClaimNoLostTaskAndTheAbandonedLeasesBack() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new GleanerCommand());
        cli.setOut(new PrintWriter(out));

        int exit = cli.execute("bench", "queue", "--embedded", "--duration-seconds", "4", "--clients", "8",
                "--abandoned-lease-seconds", "1", "--warmup-seconds", "1", "--max-warmups", "1");

        String text = out.toString();
        assertThat(exit).as(text).isZero();
        assertThat(text).contains("device:", "conditions:", "after the lapse 100/100 were claimable or labeled by others",
                "0 claimed before it lapsed", "CPU per pair: this JVM ", "clients warm-up 1: JIT compiling",
                "batching: claims ");
        String last = text.strip().lines().reduce((a, b) -> b).orElseThrow();
        Matcher result = RESULT.matcher(last);
        assertThat(result.matches()).as(last).isTrue();
        assertThat(Long.parseLong(result.group(1))).as("pairs per second").isPositive();
        assertThat(result.group(3)).as("double claims").isEqualTo("0");
        assertThat(result.group(4)).as("lost tasks").isEqualTo("0");
    }
}
