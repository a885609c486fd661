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
 * @param intraOpThreads PyTorch intra-op threads of the scoring thread, 0 to keep the engine's default
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
                    + "; it must be in 0..256 (0 keeps PyTorch's default)");
        }
    }

    /** 8 dropout samples at rate 0.2, a 1,024-embedding reference bank, novelty over 5 neighbours, default threads. */
    public static InferenceOptions defaults() {
        return new InferenceOptions(8, 0.2f, 1024, 5, 0);
    }
}
