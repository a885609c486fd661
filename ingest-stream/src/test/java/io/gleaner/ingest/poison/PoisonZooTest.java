package io.gleaner.ingest.poison;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.ingest.FrameValidator;
import io.gleaner.ingest.IngestConfig;
import io.gleaner.ingest.IngestMetrics;
import io.gleaner.ingest.Rejection;
import io.gleaner.ingest.ValidationResult;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PoisonZooTest {
    private static final long CAPTURE_TIME_MS = 1_780_000_000_000L;
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(CAPTURE_TIME_MS), ZoneOffset.UTC);
    private static final int SMALL_OVERSIZE = IngestConfig.defaults().maxMessageBytes() + 1;

    @Test
    void everyKindGetsItsExpectedReasonFromTheValidatorWithDefaultLimits() {
        FrameValidator validator = new FrameValidator(IngestConfig.defaults(), CLOCK, new IngestMetrics());
        for (PoisonRecord record : new PoisonZoo(1, "zoo-v", CAPTURE_TIME_MS, SMALL_OVERSIZE).all()) {
            ValidationResult result = validator.validate(record.key(), record.value());
            assertThat(result).as(record.name()).isInstanceOf(Rejection.class);
            assertThat(((Rejection) result).reason()).as("%s: %s", record.name(), result).isEqualTo(record.expected());
        }
    }

    @Test
    void theZooFrameItselfIsGoodSoEachKindBreaksOneRule() {
        // The key-mismatch record is the zoo's base frame under a wrong key: under its own key it passes.
        PoisonRecord keyMismatch = new PoisonZoo(1, "zoo-v", CAPTURE_TIME_MS, SMALL_OVERSIZE).make(PoisonZoo.Kind.KEY_MISMATCH, 0);
        FrameValidator validator = new FrameValidator(IngestConfig.defaults(), CLOCK, new IngestMetrics());
        assertThat(keyMismatch.key()).isEqualTo("zoo-v-wrong-key".getBytes(StandardCharsets.UTF_8));
        assertThat(validator.validate("zoo-v".getBytes(StandardCharsets.UTF_8), keyMismatch.value()))
                .isInstanceOf(ValidationResult.Valid.class);
    }

    @Test
    void sameSeedGivesIdenticalBytesAndAnotherSeedOtherRandomBytes() {
        List<PoisonRecord> first = new PoisonZoo(5, "zoo-v", CAPTURE_TIME_MS, SMALL_OVERSIZE).all();
        List<PoisonRecord> again = new PoisonZoo(5, "zoo-v", CAPTURE_TIME_MS, SMALL_OVERSIZE).all();
        for (int i = 0; i < first.size(); i++) {
            assertThat(again.get(i).value()).as(first.get(i).name()).isEqualTo(first.get(i).value());
            assertThat(again.get(i).key()).isEqualTo(first.get(i).key());
        }
        PoisonZoo other = new PoisonZoo(6, "zoo-v", CAPTURE_TIME_MS, SMALL_OVERSIZE);
        assertThat(other.make(PoisonZoo.Kind.RANDOM_BYTES, 0).value())
                .isNotEqualTo(first.get(PoisonZoo.Kind.RANDOM_BYTES.ordinal()).value());
    }

    @Test
    void oversizedValueIsAtLeastTheConfiguredSizeAndDefaultsTo20MiB() {
        PoisonZoo zoo = new PoisonZoo(1, "zoo-v", CAPTURE_TIME_MS);
        assertThat(zoo.oversizedBytes()).isEqualTo(20 * 1024 * 1024);
        byte[] value = zoo.make(PoisonZoo.Kind.OVERSIZED_VALUE, 0).value();
        assertThat(value.length).isBetween(20 * 1024 * 1024, 20 * 1024 * 1024 + 64);
    }

    @Test
    void mixKeepsGoodRecordsInOrderAndAddsTheRoundedShareOfPoisonCyclingKinds() {
        PoisonZoo zoo = new PoisonZoo(1, "zoo-v", CAPTURE_TIME_MS, SMALL_OVERSIZE);
        List<RawRecord> good = IntStream.range(0, 1000)
                .mapToObj(i -> RawRecord.good("g" + i, new byte[] {1}, new byte[] {(byte) i})).toList();

        List<RawRecord> mixed = zoo.mix(good, 0.0355, 42);

        assertThat(mixed.stream().filter(r -> !r.isPoison()).toList()).containsExactlyElementsOf(good);
        List<RawRecord> poison = mixed.stream().filter(RawRecord::isPoison).toList();
        assertThat(poison).hasSize(36);
        assertThat(poison).extracting(RawRecord::name).doesNotHaveDuplicates();
        assertThat(poison.stream().map(r -> r.expectedRejection().orElseThrow()).distinct().count())
                .as("every reason the zoo can produce appears")
                .isEqualTo(Arrays.stream(PoisonZoo.Kind.values()).map(PoisonZoo.Kind::expected).distinct().count());
        assertThat(mixed.get(0).isPoison() && mixed.get(mixed.size() - 1).isPoison())
                .as("poison is spread, not all at one end").isFalse();
        List<RawRecord> again = zoo.mix(good, 0.0355, 42);
        assertThat(again).extracting(RawRecord::name).containsExactlyElementsOf(mixed.stream().map(RawRecord::name).toList());
        assertThat(zoo.mix(good, 0.0355, 43)).extracting(RawRecord::name)
                .isNotEqualTo(mixed.stream().map(RawRecord::name).toList());
    }

    @Test
    void aRateOutsideZeroToOneIsRefused() {
        PoisonZoo zoo = new PoisonZoo(1, "zoo-v", CAPTURE_TIME_MS, SMALL_OVERSIZE);
        assertThatThrownBy(() -> zoo.mix(List.of(), 1.5, 1))
                .hasMessage("rate is 1.5; it must be within [0, 1], e.g. 0.01 for 1% poison");
        assertThatThrownBy(() -> zoo.mix(List.of(), Double.NaN, 1)).hasMessageStartingWith("rate is NaN");
    }
}
