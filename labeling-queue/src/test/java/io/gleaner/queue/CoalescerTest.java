package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CoalescerTest {
    private final ExecutorService callers = Executors.newCachedThreadPool();

    @AfterEach
    void stopCallers() {
        callers.shutdownNow();
    }

    @Test
    void aLoneCallerRunsAloneAtOnce() {
        List<List<Integer>> batches = Collections.synchronizedList(new ArrayList<>());
        Coalescer<Integer, Integer> coalescer = new Coalescer<>(1, 10, r -> 1, recording(batches, r -> r * 10));

        assertThat(coalescer.call(4)).isEqualTo(40);
        assertThat(coalescer.call(5)).isEqualTo(50);

        assertThat(batches).containsExactly(List.of(4), List.of(5));
        assertThat(coalescer.stats()).isEqualTo(new CoalescerStats(2, 2, 1));
    }

    @Test
    void withNoSlotsEveryCallRunsAloneInItsOwnThreadAndNoBatchIsCounted() throws Exception {
        List<List<Integer>> batches = Collections.synchronizedList(new ArrayList<>());
        List<Thread> ranIn = Collections.synchronizedList(new ArrayList<>());
        Coalescer<Integer, Integer> coalescer = new Coalescer<>(0, 10, r -> 1, recording(batches, r -> {
            ranIn.add(Thread.currentThread());
            return r + 1;
        }));

        Future<Integer> elsewhere = callers.submit(() -> coalescer.call(7));
        assertThat(coalescer.call(1)).isEqualTo(2);
        assertThat(elsewhere.get(10, TimeUnit.SECONDS)).isEqualTo(8);

        assertThat(batches).containsExactlyInAnyOrder(List.of(1), List.of(7));
        assertThat(ranIn).contains(Thread.currentThread()).hasSize(2).doesNotHaveDuplicates();
        assertThat(coalescer.stats()).isEqualTo(new CoalescerStats(0, 0, 0));
    }

    /** Callers that arrive while the only slot is busy run together in the next batch, each getting its own answer. */
    @Test
    void callersArrivingWhileTheSlotIsBusyRunInOneBatch() throws Exception {
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        List<List<Integer>> batches = Collections.synchronizedList(new ArrayList<>());
        Coalescer<Integer, Integer> coalescer = new Coalescer<>(1, 10, r -> 1, recording(batches, r -> {
            if (r == 0) {
                firstRunning.countDown();
                awaitReleased(releaseFirst);
            }
            return r * 10;
        }));
        Future<Integer> first = callers.submit(() -> coalescer.call(0));
        assertThat(firstRunning.await(10, TimeUnit.SECONDS)).isTrue();
        List<Future<Integer>> later = new ArrayList<>();
        for (int r = 1; r <= 5; r++) {
            int request = r;
            later.add(callers.submit(() -> coalescer.call(request)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> waitingThreads() >= 5);
        releaseFirst.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS)).isZero();
        for (int r = 1; r <= 5; r++) {
            assertThat(later.get(r - 1).get(10, TimeUnit.SECONDS)).isEqualTo(r * 10);
        }
        assertThat(batches).hasSize(2);
        assertThat(batches.get(1)).containsExactlyInAnyOrder(1, 2, 3, 4, 5);
        assertThat(coalescer.stats()).isEqualTo(new CoalescerStats(2, 6, 5));
    }

    @Test
    void aBatchCarriesNoMoreWeightThanItsCapacityButAHeavyRequestStillRuns() throws Exception {
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        List<List<Integer>> batches = Collections.synchronizedList(new ArrayList<>());
        Coalescer<Integer, Integer> coalescer = new Coalescer<>(1, 5, r -> r, recording(batches, r -> {
            if (r == 1) {
                firstRunning.countDown();
                awaitReleased(releaseFirst);
            }
            return r;
        }));
        Future<Integer> first = callers.submit(() -> coalescer.call(1));
        assertThat(firstRunning.await(10, TimeUnit.SECONDS)).isTrue();
        List<Future<Integer>> later = new ArrayList<>();
        for (int weight : new int[] {3, 2, 4, 9}) {
            later.add(callers.submit(() -> coalescer.call(weight)));
            await().atMost(Duration.ofSeconds(10)).until(() -> waitingThreads() >= later.size());
        }
        releaseFirst.countDown();
        first.get(10, TimeUnit.SECONDS);
        for (Future<Integer> f : later) {
            f.get(10, TimeUnit.SECONDS);
        }

        // Oldest first: 3+2 fill one batch, 4 alone (4+9 > 5), 9 alone although it exceeds the capacity.
        assertThat(batches).containsExactly(List.of(1), List.of(3, 2), List.of(4), List.of(9));
    }

    @Test
    void aFailingBatchThrowsToEveryCallerInIt() {
        Coalescer<Integer, Integer> coalescer = new Coalescer<>(1, 10, r -> 1, requests -> {
            throw new IllegalStateException("database gone");
        });

        assertThatThrownBy(() -> coalescer.call(1)).isInstanceOf(IllegalStateException.class)
                .hasMessage("database gone");
        assertThatThrownBy(() -> coalescer.call(2)).hasMessage("database gone");
    }

    @Test
    void aBatchThatAnswersTooFewFailsInsteadOfMixingAnswersUp() {
        Coalescer<Integer, Integer> coalescer = new Coalescer<>(1, 10, r -> 1, requests -> List.of());

        assertThatThrownBy(() -> coalescer.call(1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("a batch of 1 requests got 0 answers");
    }

    /** Many threads hammering two slots: every caller gets the answer to its own request, and batches form. */
    @Test
    void underContentionEveryCallerGetsItsOwnAnswer() throws Exception {
        Coalescer<Integer, Integer> coalescer = new Coalescer<>(2, 8, r -> 1, requests -> {
            busy(50_000);
            return requests.stream().map(r -> -r).toList();
        });
        int threads = 16;
        int callsEach = 500;
        List<Future<Integer>> wrong = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t * callsEach;
            wrong.add(callers.submit(() -> {
                int mismatches = 0;
                for (int i = 0; i < callsEach; i++) {
                    if (coalescer.call(base + i) != -(base + i)) {
                        mismatches++;
                    }
                }
                return mismatches;
            }));
        }
        for (Future<Integer> f : wrong) {
            assertThat(f.get(60, TimeUnit.SECONDS)).isZero();
        }
        CoalescerStats stats = coalescer.stats();
        assertThat(stats.requests()).isEqualTo((long) threads * callsEach);
        assertThat(stats.largest()).isBetween(2L, 8L);
        assertThat(stats.meanBatch()).isGreaterThan(1.5);
    }

    private static <A> Function<List<Integer>, List<A>> recording(List<List<Integer>> batches, Function<Integer, A> each) {
        return requests -> {
            batches.add(List.copyOf(requests));
            return requests.stream().map(each).toList();
        };
    }

    /** Threads parked by {@link Coalescer#call} itself, waiting for a slot or an answer (not a leader running a batch). */
    private static long waitingThreads() {
        return Thread.getAllStackTraces().values().stream().filter(CoalescerTest::parkedInCall).count();
    }

    private static boolean parkedInCall(StackTraceElement[] stack) {
        for (int i = 0; i + 1 < stack.length; i++) {
            if (stack[i].getClassName().equals("java.util.concurrent.locks.LockSupport")
                    && stack[i + 1].getClassName().equals(Coalescer.class.getName())
                    && stack[i + 1].getMethodName().equals("call")) {
                return true;
            }
        }
        return false;
    }

    private static void awaitReleased(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released in 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void busy(long nanos) {
        long until = System.nanoTime() + nanos;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }
}
