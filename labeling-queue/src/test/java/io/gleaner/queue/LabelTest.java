package io.gleaner.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LabelTest {
    @Test
    void acceptsTheEndsOfTheActionRange() {
        Label label = new Label("stopped_vehicle", -1f, 1f);

        assertThat(label.steering()).isEqualTo(-1f);
        assertThat(label.acceleration()).isEqualTo(1f);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void rejectsABlankScene(String scene) {
        assertThatThrownBy(() -> new Label(scene, 0f, 0f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scene is blank");
    }

    @Test
    void rejectsAMissingScene() {
        assertThatThrownBy(() -> new Label(null, 0f, 0f)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1.0001f, -1.5f})
    void rejectsSteeringOutsideTheRange(float steering) {
        assertThatThrownBy(() -> new Label("clear_road", steering, 0f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("steering is " + steering)
                .hasMessageContaining("[-1, 1]");
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, 2f, -1.0001f})
    void rejectsAccelerationOutsideTheRange(float acceleration) {
        assertThatThrownBy(() -> new Label("clear_road", 0f, acceleration))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("acceleration is " + acceleration);
    }

    @Test
    void keepsNotesDropsBlankOnesAndRejectsTooLongOnes() {
        assertThat(new Label("debris", 0f, 0f, "tyre tread, left lane").notes()).isEqualTo("tyre tread, left lane");
        assertThat(new Label("debris", 0f, 0f, "  ").notes()).isNull();
        assertThat(new Label("debris", 0f, 0f).notes()).isNull();
        assertThatThrownBy(() -> new Label("debris", 0f, 0f, "x".repeat(Label.MAX_NOTES_CHARS + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("notes are 2001 characters");
        assertThatThrownBy(() -> new Label("x".repeat(Label.MAX_SCENE_CHARS + 1), 0f, 0f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scene is 101 characters");
    }
}
