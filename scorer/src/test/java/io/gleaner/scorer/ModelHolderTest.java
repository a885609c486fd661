package io.gleaner.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelSpec;
import java.lang.reflect.Modifier;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelHolderTest {
    private static final ModelSpec SPEC = ModelSpec.defaults(List.of("a", "b"));
    private static final List<float[]> ONE_INPUT = List.of(new float[3 * 64 * 64]);

    @Test
    void anEmptyHolderServesNothing() {
        try (ModelHolder holder = new ModelHolder()) {
            assertThat(holder.current()).isEmpty();
            assertThat(holder.acquire()).isEmpty();
            assertThat(holder.currentVersion()).isEmpty();
        }
    }

    @Test
    void currentIsNotPublicBecauseItHandsOutAModelWithoutALease() throws Exception {
        // Regression: a caller could predict with current() while a swap closed the model under it.
        assertThat(Modifier.isPublic(ModelHolder.class.getDeclaredMethod("current").getModifiers())).isFalse();
    }

    @Test
    void swapServesTheNextModelAtOnceAndClosesThePreviousWhenItsLastLeaseEnds() {
        DrivingModel first = DrivingModel.create(SPEC, 1);
        DrivingModel second = DrivingModel.create(SPEC, 2);
        try (ModelHolder holder = new ModelHolder()) {
            holder.swap(first);
            ModelHolder.Lease lease = holder.acquire().orElseThrow();
            ModelHolder.Lease another = holder.acquire().orElseThrow();

            // On the thread that holds the leases: a swap that waited for them would never return.
            holder.swap(second);
            assertThat(holder.current()).containsSame(second);
            assertThat(lease.model().predict(ONE_INPUT)).as("the leased model still predicts").hasSize(1);

            lease.close();
            lease.close();
            assertThat(another.model().predict(ONE_INPUT)).as("one lease is still out").hasSize(1);
            another.close();
            assertThatThrownBy(() -> first.predict(ONE_INPUT)).isInstanceOf(IllegalStateException.class);
        }
        assertThatThrownBy(() -> second.predict(ONE_INPUT))
                .as("closing the holder closes the model it served").isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aRetiredModelIsServedNoMoreAndClosedWhenItsLastLeaseEnds() {
        DrivingModel failed = DrivingModel.create(SPEC, 3);
        try (ModelHolder holder = new ModelHolder()) {
            holder.swap(failed);
            ModelHolder.Lease lease = holder.acquire().orElseThrow();

            assertThat(holder.retire(failed)).isTrue();
            assertThat(holder.retire(failed)).as("retired once").isFalse();
            assertThat(holder.acquire()).isEmpty();
            assertThat(holder.currentVersion()).isEmpty();
            assertThat(lease.model().predict(ONE_INPUT)).as("the batch that holds it finishes").hasSize(1);

            lease.close();
            assertThatThrownBy(() -> failed.predict(ONE_INPUT)).isInstanceOf(IllegalStateException.class);
        }
    }
}
