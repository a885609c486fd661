package io.gleaner.scorer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DJL never calls home: the scorer's model load and one forward pass run in a child JVM inside
 * {@code unshare -n} (a network namespace with no interfaces but a down loopback), finish, and
 * nothing in that JVM tries to reach a network address. Skipped where {@code unshare -n} is not
 * allowed (it needs root or unprivileged user namespaces).
 */
class NoNetworkScoringIT {
    /** Far above a cold child JVM's engine start on a loaded machine; a call home that hangs exceeds it. */
    private static final long CHILD_TIMEOUT_SECONDS = 240;

    @BeforeAll
    static void needsUnshare() throws Exception {
        Process probe = new ProcessBuilder("unshare", "-n", "true").redirectErrorStream(true).start();
        boolean done = probe.waitFor(30, TimeUnit.SECONDS);
        String why = done ? new String(probe.getInputStream().readAllBytes()).trim() : "it did not finish in 30 s";
        if (!done) {
            probe.destroyForcibly();
        }
        assumeTrue(done && probe.exitValue() == 0,
                "'unshare -n true' failed (" + why + "): this test needs a new network namespace, which takes"
                        + " root or unprivileged user namespaces; run it as root or where util-linux unshare works");
    }

    @Test
    void theScorerLoadsAModelAndScoresAFrameWithoutANetwork(@TempDir Path folder) throws Exception {
        Child child = runWithoutNetwork(folder, List.of("-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true"),
                "scorer", folder.resolve("artifact").toString());

        assertThat(child.exitCode).as("exit code; output:%n%s", child.output).isZero();
        assertThat(child.output).contains(OfflineScoring.SCORED + " version=v1 classes=3 probability-sum=1.000");
        assertThat(child.output).as("network addresses tried").contains(OfflineScoring.NETWORK + " []");
    }

    @Test
    void theScorerKeepsDjlOfflineEvenWhenTheJvmIsStartedWithoutTheOfflineFlags(@TempDir Path folder)
            throws Exception {
        // Regression guard for DjlRuntime.ensureOffline: an operator who forgets the flags must not
        // get a scorer that tries EC2 metadata and telemetry on start.
        Child child = runWithoutNetwork(folder, List.of(), "scorer", folder.resolve("artifact").toString());

        assertThat(child.exitCode).as("exit code; output:%n%s", child.output).isZero();
        assertThat(child.output).contains(OfflineScoring.SCORED + " version=v1");
        assertThat(child.output).as("network addresses tried").contains(OfflineScoring.NETWORK + " []");
    }

    @Test
    void theRecorderSeesDjlCallingHomeWhenNothingKeepsItOffline(@TempDir Path folder) throws Exception {
        // Shows the two tests above could fail: a bare engine start without the flags reaches out.
        Child child = runWithoutNetwork(folder, List.of(), "bare-engine");

        assertThat(child.exitCode).as("exit code; output:%n%s", child.output).isZero();
        assertThat(child.output).containsPattern(OfflineScoring.NETWORK + " \\[.*169\\.254\\.169\\.254.*\\]");
    }

    private record Child(int exitCode, String output) {}

    private static Child runWithoutNetwork(Path folder, List<String> jvmFlags, String... args)
            throws IOException, InterruptedException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of("unshare", "-n",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Djava.security.manager=allow"));
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", classPath, OfflineScoring.class.getName()));
        command.addAll(List.of(args));
        Path log = folder.resolve("child.log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // The child must not inherit the offline flags through the environment either.
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("OPT_OUT_TRACKING");
        builder.environment().remove("ai.djl.offline");
        Process process = builder.start();
        boolean finished = process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        String output = Files.readString(log);
        assertThat(finished).as("the child finished within %d s without a network (a hang means something"
                + " waited on the network); output:%n%s", CHILD_TIMEOUT_SECONDS, output).isTrue();
        return new Child(process.exitValue(), output);
    }
}
