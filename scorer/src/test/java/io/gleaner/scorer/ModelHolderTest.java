package io.gleaner.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.scorer.model.DrivingModel;
import io.gleaner.scorer.model.ModelSpec;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
    void swapWaitsForTheBatchInFlightThenClosesThePreviousModel() throws Exception {
        DrivingModel first = DrivingModel.create(SPEC, 1);
        DrivingModel second = DrivingModel.create(SPEC, 2);
        try (ModelHolder holder = new ModelHolder()) {
            holder.swap(first);
            ModelHolder.Lease lease = holder.acquire().orElseThrow();

            CompletableFuture<Void> swap = CompletableFuture.runAsync(() -> holder.swap(second));
            assertThatThrownBy(() -> swap.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
            assertThat(lease.model().predict(ONE_INPUT)).as("the leased model still predicts").hasSize(1);

            lease.close();
            swap.get(10, TimeUnit.SECONDS);
            assertThat(holder.current()).containsSame(second);
            assertThatThrownBy(() -> first.predict(ONE_INPUT)).isInstanceOf(IllegalStateException.class);
        }
        assertThatThrownBy(() -> second.predict(ONE_INPUT))
                .as("closing the holder closes the model it served").isInstanceOf(IllegalStateException.class);
    }
}
