package io.gleaner.it;

import io.gleaner.app.infra.DatabaseEndpoint;
import io.gleaner.queue.Task;
import io.gleaner.queue.TaskQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * A labeling client that {@link LeaseHolderKillFaultIT} runs as a child JVM and kills with
 * SIGKILL: it claims tasks under a lease, prints {@value #HOLDING} with their ids, then keeps
 * the leases alive with a heartbeat round every so often, printing {@value #HEARTBEAT} after each,
 * until it is killed. The database password comes from {@value #PASSWORD_ENV}, never the command line.
 *
 * <p>Arguments: JDBC URL, database user, labeler id, tasks to claim, lease in ms, heartbeat period in ms.
 */
final class LeaseHolder {
    static final String HOLDING = "HOLDING";
    static final String HEARTBEAT = "HEARTBEAT";
    static final String PASSWORD_ENV = "GLEANER_IT_CHILD_DB_PASSWORD";

    private LeaseHolder() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 6) {
            throw new IllegalArgumentException("usage: LeaseHolder <jdbc-url> <user> <labeler> <tasks> <lease-ms>"
                    + " <heartbeat-ms>, got " + args.length + " arguments");
        }
        // Pooled, as a real labeling client is: a heartbeat round opening 100 new connections
        // could outlast its period on a busy machine and let the leases lapse before the kill.
        TaskQueue queue = new TaskQueue(new DatabaseEndpoint(args[0], args[1], System.getenv(PASSWORD_ENV))
                .pool("lease-holder", 2));
        String labeler = args[2];
        int tasks = Integer.parseInt(args[3]);
        Duration lease = Duration.ofMillis(Long.parseLong(args[4]));
        Duration heartbeat = Duration.ofMillis(Long.parseLong(args[5]));

        queue.ensureLabeler(labeler, "labeler");
        List<Task> held = queue.claim(labeler, tasks, lease);
        System.out.println(HOLDING + " " + held.stream().map(t -> Long.toString(t.taskId()))
                .collect(Collectors.joining(",")));
        System.out.flush();
        AtomicLong rounds = new AtomicLong();
        ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();
        heartbeats.scheduleAtFixedRate(() -> {
            Instant until = Instant.MIN;
            for (Task task : held) {
                Instant expires = queue.heartbeat(task.taskId(), labeler, lease);
                until = expires.isAfter(until) ? expires : until;
            }
            System.out.println(HEARTBEAT + " " + rounds.incrementAndGet() + " " + until);
            System.out.flush();
        }, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
        // Holds the leases until SIGKILL; a failed heartbeat ends the schedule and shows as no more HEARTBEAT lines.
        new CountDownLatch(1).await();
    }
}
