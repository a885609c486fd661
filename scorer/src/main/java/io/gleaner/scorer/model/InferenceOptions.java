package io.gleaner.scorer.model;

/**
 * How a {@link BatchPredictor} runs the model beyond the plain forward pass.
 *
 * @param mcSamples dropout samples per frame for disagreement (MC dropout on the embedding before
 *     the heads), 0 for none; the predicted action's spread is their standard deviation
 * @param dropoutRate the share of embedding units each sample drops, in (0, 1)
 * @param referenceBankSize embeddings kept per predictor as the novelty reference (a uniform
 *     reservoir sample of every frame it scored), 0 to compute no novelty
 * @param neighbours how many nearest reference embeddings the novelty averages over
 * @param intraOpThreads PyTorch intra-op threads of the forward passes, 0 for
 *     {@link #automaticIntraOpThreads()}
 */
public record InferenceOptions(int mcSamples, float dropoutRate, int referenceBankSize, int neighbours,
        int intraOpThreads) {
    /** Most dropout samples per frame. */
    public static final int MAX_MC_SAMPLES = 64;
    /** Largest reference bank. */
    public static final int MAX_REFERENCE_BANK = 65_536;

    public InferenceOptions {
        if (mcSamples < 0 || mcSamples > MAX_MC_SAMPLES) {
            throw new IllegalArgumentException("scorer.mc-samples is " + mcSamples + "; it must be in 0.."
                    + MAX_MC_SAMPLES + " (0 turns MC dropout off)");
        }
        if (!(dropoutRate > 0 && dropoutRate < 1)) {
            throw new IllegalArgumentException("scorer.dropout-rate is " + dropoutRate + "; it must be in (0, 1)");
        }
        if (referenceBankSize < 0 || referenceBankSize > MAX_REFERENCE_BANK) {
            throw new IllegalArgumentException("scorer.reference-bank-size is " + referenceBankSize
                    + "; it must be in 0.." + MAX_REFERENCE_BANK + " (0 turns novelty off)");
        }
        if (neighbours < 1 || (referenceBankSize > 0 && neighbours > referenceBankSize)) {
            throw new IllegalArgumentException("scorer.novelty-neighbours is " + neighbours
                    + "; it must be at least 1 and at most scorer.reference-bank-size (" + referenceBankSize + ")");
        }
        if (intraOpThreads < 0 || intraOpThreads > 256) {
            throw new IllegalArgumentException("scorer.intra-op-threads is " + intraOpThreads
                    + "; it must be in 0..256 (0 picks one less than the cores)");
        }
    }

    /**
     * What 0 intra-op threads means: one less than the cores, at least 1. A predictor's forward
     * thread runs the model while the stream thread decodes the next batch and talks to Kafka, which
     * needs a core of its own: with PyTorch's default, every core for the forward pass, the scorer
     * stage on 2 cores ran 3,789 frames/s against 5,775 with one intra-op thread ({@code bench scorer}),
     * its OpenMP threads spinning against the stream thread. With more than one stream thread, set it:
     * (cores − stream threads) ÷ stream threads.
     */
    public static int automaticIntraOpThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }

    /** The intra-op threads predictors run with: {@link #intraOpThreads()}, or the automatic count for 0. */
    public int resolvedIntraOpThreads() {
        return intraOpThreads > 0 ? intraOpThreads : automaticIntraOpThreads();
    }

    /** These options with {@code threads} intra-op threads (0 for the automatic count). */
    public InferenceOptions withIntraOpThreads(int threads) {
        return new InferenceOptions(mcSamples, dropoutRate, referenceBankSize, neighbours, threads);
    }

    /** 8 dropout samples at rate 0.2, a 1,024-embedding reference bank, novelty over 5 neighbours, automatic threads. */
    public static InferenceOptions defaults() {
        return new InferenceOptions(8, 0.2f, 1024, 5, 0);
    }
}
