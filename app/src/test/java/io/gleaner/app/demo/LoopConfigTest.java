package io.gleaner.app.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gleaner.retrain.FineTuneScope;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LoopConfigTest {

    @Test
    void theDemoDefaultsAreValid() {
        LoopConfig config = LoopConfig.defaults(Path.of("work"));
        assertThat(config.rounds()).isEqualTo(5);
        assertThat(config.withRounds(2).withFramesPerRound(300))
                .extracting(LoopConfig::rounds, LoopConfig::framesPerRound).containsExactly(2, 300);
    }

    @Test
    void aNonPositiveCountNamesTheSetting() {
        assertThatThrownBy(() -> LoopConfig.defaults(Path.of("work")).withFramesPerRound(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("demo.frames-per-round is 0; it must be > 0");
    }

    @Test
    void theGoldenSetIsOnByDefaultAndANegativeSizeNamesTheSetting() {
        LoopConfig config = LoopConfig.defaults(Path.of("work"));
        assertThat(config.goldenFrames()).isEqualTo(LoopConfig.DEFAULT_GOLDEN_FRAMES);
        assertThatThrownBy(() -> new LoopConfig(1, 100, 100, 1, 10, 1, config.simulator(), 0, Path.of("work"),
                config.drainTimeout(), -1, FineTuneScope.ALL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("demo.golden-frames is -1; it must be >= 0 (0: no golden set)");
    }
}
