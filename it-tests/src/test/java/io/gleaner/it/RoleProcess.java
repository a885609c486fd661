package io.gleaner.it;

import io.gleaner.app.GleanerCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One Gleaner role ({@code gleaner <subcommand> ...}) run as a child JVM of the test, the way
 * production runs it, so that a fault test can really kill it ({@link #kill()}: SIGKILL, no
 * shutdown hook, no clean close), start it again, and read its memory from outside.
 *
 * <p>The child runs the test JVM's {@code java} on the test JVM's class path. Under Failsafe that
 * path may be a single manifest-only booter jar; {@code -cp} follows its {@code Class-Path} just the
 * same. DJL is kept offline in every child. Each start writes stdout and stderr together to a log
 * of its own, {@code <name>.<start>.log} in the given folder, so a failing test can show what each
 * incarnation said ({@link #tail(int)}).
 */
final class RoleProcess implements AutoCloseable {
    private static final List<String> OFFLINE = List.of("-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true");
    private static final long STOP_TIMEOUT_SECONDS = 90;

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path logDir;
    private Process process;
    private int starts;
    private int kills;

    /**
     * @param name what the logs and figures call this role (one per process of the test)
     * @param jvmOptions options for the child JVM besides the class path (heap size, GC logging)
     * @param arguments the {@code gleaner} subcommand and its options
     * @param environment added to the child's environment (secrets go here, not in {@code arguments})
     * @param logDir where each start's log goes
     */
    RoleProcess(String name, List<String> jvmOptions, List<String> arguments, Map<String, String> environment,
                Path logDir) {
        this.name = Objects.requireNonNull(name, "name");
        this.environment = Map.copyOf(environment);
        this.logDir = Objects.requireNonNull(logDir, "logDir");
        List<String> line = new ArrayList<>();
        line.add(javaExecutable());
        line.addAll(OFFLINE);
        line.addAll(jvmOptions);
        line.add("-cp");
        line.add(System.getProperty("java.class.path"));
        line.add(GleanerCommand.class.getName());
        line.addAll(arguments);
        this.command = List.copyOf(line);
    }

    /** Starts a new incarnation; the previous one must be gone. */
    synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is still running as pid " + process.pid());
        }
        starts++;
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log().toFile());
        builder.environment().putAll(environment);
        try {
            Files.createDirectories(logDir);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start role " + name + " with " + command, e);
        }
    }

    /** SIGKILL, as {@code kill -9} does, and waits until the process is gone. */
    synchronized void kill() throws InterruptedException {
        Process running = requireRunning();
        running.destroyForcibly();
        if (!running.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + running.pid() + ") survived SIGKILL for "
                    + STOP_TIMEOUT_SECONDS + " s");
        }
        kills++;
    }

    /** Sends SIGTERM, so the role starts closing cleanly, without waiting for it; {@link #stop()} waits. */
    synchronized void requestStop() {
        if (process != null && process.isAlive()) {
            process.destroy();
        }
    }

    /** SIGTERM, so the role closes cleanly; SIGKILL if it has not exited within 90 s. */
    synchronized void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }

    String name() {
        return name;
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    synchronized long pid() {
        return requireRunning().pid();
    }

    /** Times this role was started, the first start included. */
    synchronized int starts() {
        return starts;
    }

    /** Times this role was killed with SIGKILL. */
    synchronized int kills() {
        return kills;
    }

    /** The current incarnation's log. */
    synchronized Path log() {
        return logDir.resolve(name + "." + starts + ".log");
    }

    /** Whether the current incarnation's log holds {@code text} (a line the role logs once it is ready, say). */
    boolean logContains(String text) {
        Path log = log();
        try {
            return Files.exists(log) && Files.readString(log, StandardCharsets.ISO_8859_1).contains(text);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + log, e);
        }
    }

    /** Resident set size of the running process, from {@code /proc/<pid>/status} (Linux), in KiB. */
    long residentKib() {
        long pid = pid();
        Path status = Path.of("/proc", Long.toString(pid), "status");
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").trim());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + status + " of role " + name, e);
        }
        throw new IllegalStateException(status + " has no VmRSS line; is this Linux?");
    }

    /**
     * CPU time the running process has used, user and system, in seconds, from {@code /proc/<pid>/stat}
     * (Linux; clock ticks of 1/100 s, as on every Linux build the JDK supports).
     */
    double cpuSeconds() {
        long pid = pid();
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try {
            String line = Files.readString(stat, StandardCharsets.ISO_8859_1);
            // Fields after the command name, which is in parentheses and may hold spaces.
            String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + stat + " of role " + name, e);
        }
    }

    /** The last {@code lines} lines of the current incarnation's log, and the exit code if it has ended. */
    synchronized String tail(int lines) {
        Path log = log();
        StringBuilder text = new StringBuilder("---- ").append(log.getFileName());
        if (process != null && !process.isAlive()) {
            text.append(" (exited with ").append(process.exitValue()).append(')');
        }
        text.append(" ----\n");
        try {
            List<String> all = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.ISO_8859_1) : List.of();
            all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> text.append(l).append('\n'));
        } catch (IOException e) {
            text.append("(could not read: ").append(e).append(")\n");
        }
        return text.toString();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private Process requireRunning() {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException(name + " is not running" + (process == null ? ""
                    : " (exited with " + process.exitValue() + "; see " + log() + ")"));
        }
        return process;
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
