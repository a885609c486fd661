package io.gleaner.retrain;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import java.util.List;
import java.util.Locale;

/**
 * Which weights a training run updates; the others stay as the parent has them. The network is
 * {@code DrivingModel}'s sequence: the backbone (convolution layers, then the embedding layer) and
 * last the heads (scene and action).
 *
 * <p>{@link #ALL} is the fine-tune's default. Measured with {@code bench loop} (5 rounds, the
 * 16-epoch seed; rare-error reduction with the engine's labels / random labels, and the engine
 * arm's common error against the seed's): all weights 0.072–0.076 / 0.028–0.032 and −24% to −28%
 * (four runs); the last stage 0.0575 / 0.0238 and −7.3%; the heads 0.0115 / 0.0041 and +5.3%, past
 * the issue's +5% limit. A frozen backbone keeps more of the parent and learns less from the labels.
 */
public enum FineTuneScope {
    /** Every weight. */
    ALL,
    /** The backbone's last stage (its last convolution layer and the embedding layer) and the heads. */
    LAST_STAGE,
    /** The heads only: the whole backbone, and with it the embedding, stays as it is. */
    HEADS;

    /** The option's spelling, e.g. {@code last-stage}. */
    public String optionValue() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The scope an option names ({@code all}, {@code last-stage}, {@code heads}). */
    public static FineTuneScope fromOptionValue(String value) {
        for (FineTuneScope scope : values()) {
            if (scope.optionValue().equals(value)) {
                return scope;
            }
        }
        throw new IllegalArgumentException("fine-tune scope '" + value + "' is not one of all, last-stage, heads");
    }

    /**
     * Freezes the layers of {@code network} before this scope's first; the caller has unfrozen the
     * trainable parameters before.
     *
     * @throws IllegalArgumentException when this is not {@link #ALL} and the network is not a layer
     *     sequence as {@code DrivingModel}'s is, or, for {@link #LAST_STAGE}, has no convolution layer
     */
    void freezeOutside(Block network) {
        if (this == ALL) {
            return;
        }
        if (!(network instanceof SequentialBlock sequence)) {
            throw new IllegalArgumentException("fine-tune scope " + optionValue() + " needs DrivingModel's layer"
                    + " sequence; this network is a " + network.getClass().getSimpleName() + ": use scope all");
        }
        List<Block> layers = sequence.getChildren().values();
        int firstTrained = this == HEADS ? layers.size() - 1 : lastConvolution(layers);
        for (int i = 0; i < firstTrained; i++) {
            layers.get(i).freezeParameters(true);
        }
    }

    private int lastConvolution(List<Block> layers) {
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (layers.get(i) instanceof Conv2d) {
                return i;
            }
        }
        throw new IllegalArgumentException("fine-tune scope " + optionValue() + " found no convolution layer to"
                + " start from; use scope all");
    }
}
