package io.gleaner.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.gleaner.scorer.model.BatchPredictor;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

class BatchPacingTest {
    private static final long MS = 1_000_000;
    /** A model that runs exactly the frames of a batch, no padding. */
    private static final IntUnaryOperator ROWS_ARE_FRAMES = IntUnaryOperator.identity();

    @Test
    void beforeAnyBatchTheFullBatchSizeIsUsed() {
        BatchPacing pacing = new BatchPacing(64, 500 * MS, ROWS_ARE_FRAMES);

        assertThat(pacing.framesPerBatch()).isEqualTo(64);
        assertThat(pacing.overBudget()).isFalse();
    }

    @Test
    void aModelThatCosts500MsPerFrameGetsOneFrameBatchesUnderA500MsBudget() {
        BatchPacing pacing = new BatchPacing(64, 500 * MS, ROWS_ARE_FRAMES);

        pacing.measured(1, 500 * MS);
        pacing.measured(2, 1_000 * MS);

        assertThat(pacing.perRowMillis()).isEqualTo(500.0);
        assertThat(pacing.fixedMillis()).isZero();
        assertThat(pacing.framesPerBatch()).isEqualTo(1);
        assertThat(pacing.expectedNanos(1)).isEqualTo(500 * MS);
    }

    @Test
    void aModelThatCosts40MsPerFrameGetsTwelveFramesUnderA500MsBudget() {
        BatchPacing pacing = new BatchPacing(64, 500 * MS, ROWS_ARE_FRAMES);

        pacing.measured(1, 45 * MS);
        pacing.measured(2, 85 * MS);

        // fixed 5 ms + 40 ms per frame: (500 - 5) / 40 = 12.4
        assertThat(pacing.framesPerBatch()).isEqualTo(12);
        assertThat(pacing.overBudget()).isFalse();
    }

    @Test
    void aPaddedModelWhoseBatchCostsTheSameForAnySizeKeepsTheFullBatchEvenOverBudget() {
        BatchPacing pacing = new BatchPacing(64, 500 * MS, ROWS_ARE_FRAMES);

        pacing.measured(1, 2_000 * MS);
        pacing.measured(2, 2_000 * MS);
        assertThat(pacing.framesPerBatch()).as("smaller batches would only cut throughput").isEqualTo(64);
        assertThat(pacing.expectedNanos(64)).isEqualTo(2_000 * MS);
        assertThat(pacing.overBudget()).isTrue();

        pacing.measured(64, 2_000 * MS);
        pacing.measured(64, 2_000 * MS);
        assertThat(pacing.framesPerBatch()).as("equal-sized batches keep the fitted split").isEqualTo(64);
    }

    @Test
    void whenNotEvenOneFrameFitsABatchMayTakeOneFramePlusTwiceTheFixedCost() {
        BatchPacing pacing = new BatchPacing(64, 500 * MS, ROWS_ARE_FRAMES);

        pacing.measured(1, 1_100 * MS);
        pacing.measured(2, 1_200 * MS);

        // fixed 1,000 ms + 100 ms per frame: up to 2,100 ms, (2100 - 1000) / 100 = 11 frames
        assertThat(pacing.framesPerBatch()).isEqualTo(11);
        assertThat(pacing.overBudget()).isTrue();
    }

    @Test
    void aHiccupOnOneLargeBatchDoesNotMakeAPaddedModelLookAsIfItCostPerFrame() {
        // Regression: on a loaded machine one slow 64-frame batch tilted the fit to 1,171 ms per batch
        // plus 106 ms per frame, and a padded model that costs the same for any size got 12-frame
        // batches, a fifth of its throughput.
        BatchPacing pacing = new BatchPacing(64, 500 * MS, ROWS_ARE_FRAMES);
        pacing.measured(1, 1_200 * MS);
        pacing.measured(2, 1_200 * MS);
        pacing.measured(64, 1_200 * MS);

        pacing.measured(64, 8_000 * MS);

        assertThat(pacing.framesPerBatch()).isEqualTo(64);
        assertThat(pacing.perRowMillis()).isZero();
    }

    @Test
    void everyFewBatchesBelowTheBatchSizeOneTakesTwiceTheFramesSoAPaddedModelGrowsBack() {
        BatchPacing pacing = new BatchPacing(64, 500 * MS, ROWS_ARE_FRAMES);
        // A padded model costs 350 ms for any size; a hiccup on the 2-frame trial made it look like
        // 100 ms + 250 ms per frame, and 1-frame batches alone would never show otherwise.
        pacing.measured(1, 350 * MS);
        pacing.measured(2, 600 * MS);
        assertThat(pacing.framesPerBatch()).isEqualTo(1);
        for (int batch = 3; batch < BatchPacing.EXPLORE_EVERY; batch++) {
            pacing.measured(1, 350 * MS);
            assertThat(pacing.framesPerBatch()).as("batch %d", batch).isEqualTo(1);
        }
        pacing.measured(1, 350 * MS);
        assertThat(pacing.framesPerBatch()).as("the exploring batch").isEqualTo(2);

        pacing.measured(2, 350 * MS);
        assertThat(pacing.framesPerBatch()).as("the same cost for more frames: no per-frame cost").isEqualTo(64);
    }

    @Test
    void aFastModelKeepsTheFullBatch() {
        BatchPacing pacing = new BatchPacing(64, 500 * MS, ROWS_ARE_FRAMES);

        pacing.measured(1, 3 * MS);
        pacing.measured(2, 4 * MS);
        pacing.measured(64, 60 * MS);

        assertThat(pacing.framesPerBatch()).isEqualTo(64);
    }

    @Test
    void withOnlyOneBatchSizeSeenAllTheLatencyCountsAsPerFrame() {
        BatchPacing pacing = new BatchPacing(64, 500 * MS, ROWS_ARE_FRAMES);

        pacing.measured(10, 1_000 * MS);

        assertThat(pacing.framesPerBatch()).isEqualTo(5);
    }

    @Test
    void aBatchOutsideTheBatchSizeIsRefused() {
        BatchPacing pacing = new BatchPacing(4, 500 * MS, ROWS_ARE_FRAMES);

        assertThatThrownBy(() -> pacing.measured(5, MS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1..4");
    }
    @Test
    void withPowerOfTwoRowsABatchTakesNoMoreFramesThanItsRowsHoldWithinTheBudget() {
        BatchPacing pacing = new BatchPacing(64, 500 * MS, frames -> BatchPredictor.paddedRows(frames, 64));

        pacing.measured(1, 15 * MS);
        pacing.measured(4, 45 * MS);

        // fixed 5 ms + 10 ms per row: 49 rows fit in 500 ms, but 33..49 frames would run 64 rows (645 ms)
        assertThat(pacing.perRowMillis()).isCloseTo(10.0, within(1e-9));
        assertThat(pacing.framesPerBatch()).isEqualTo(32);
        assertThat(pacing.expectedNanos(20)).as("20 frames run 32 rows").isEqualTo(325 * MS);
    }

    @Test
    void thePaddedRowsOfABatchAreTheFitsPointsNotItsFrames() {
        BatchPacing pacing = new BatchPacing(64, 500 * MS, frames -> BatchPredictor.paddedRows(frames, 64));

        // 5 frames run 8 rows, 3 frames 4 rows: fixed 20 ms + 20 ms per row
        pacing.measured(3, 100 * MS);
        pacing.measured(5, 180 * MS);

        assertThat(pacing.perRowMillis()).isCloseTo(20.0, within(1e-9));
        assertThat(pacing.fixedMillis()).isCloseTo(20.0, within(1e-9));
        // (500 - 20) / 20 = 24 rows: 16 frames, as 17..24 frames would run 32 rows
        assertThat(pacing.framesPerBatch()).isEqualTo(16);
    }
}
