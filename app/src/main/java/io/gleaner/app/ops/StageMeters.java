package io.gleaner.app.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;

/**
 * The meters every Streams stage has in common, under one name each so one dashboard panel shows
 * them all by {@code role}: {@code gleaner_frames_in_total}, {@code gleaner_frames_out_total} and
 * {@code gleaner_dlq_records_total{reason}}.
 */
final class StageMeters {
    private StageMeters() {}

    static <T> void framesIn(MeterRegistry registry, T source, ToDoubleFunction<T> count, String what) {
        FunctionCounter.builder("gleaner.frames.in", source, count)
                .description("Frames a stage took in: " + what)
                .register(registry);
    }

    static <T> void framesOut(MeterRegistry registry, T source, ToDoubleFunction<T> count, String what) {
        FunctionCounter.builder("gleaner.frames.out", source, count)
                .description("Frames a stage passed on: " + what)
                .register(registry);
    }

    static <T> void deadLetters(MeterRegistry registry, T source, ToDoubleFunction<T> count, String reason) {
        FunctionCounter.builder("gleaner.dlq.records", source, count)
                .description("Records a stage sent to frames.dlq, by reason")
                .tag("reason", reason)
                .register(registry);
    }
}
