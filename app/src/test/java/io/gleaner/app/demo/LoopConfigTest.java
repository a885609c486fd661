package io.gleaner.app.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
