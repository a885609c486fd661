package io.gleaner.scorer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.norm.Dropout;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.Image;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Scores fixed-size batches of frames with one {@link DrivingModel} for one stream thread: the
 * scorer's {@code Predictor}. Each stream thread gets its own from {@link DrivingModel#predictor}, so
 * threads never wait for each other and none shares native buffers.
 *
 * <p>Frames are decoded straight into slots of a direct input buffer ({@link #decode}), which
 * becomes the input tensor of a batch without another copy on the host. There are two such
 * buffers: {@link #submit} hands the filled one to the predictor's forward thread and decodes go
 * to the other, so the stream thread decodes (and reads and writes Kafka) while the forward pass
 * runs, on a second core where there is one. Forward passes, through {@link #submit} or
 * {@link #score}, never overlap each other: one batch at most is pending, and the next submit,
 * score or trial waits for it to end. Its scores stay with its {@link PendingScores}: the stream
 * tasks of one thread share the predictor, and each collects its own batch's scores.
 *
 * <p>A batch of {@code n} frames runs with {@link #paddedRows paddedRows(n, batchSize)} rows, the
 * next power of two (at most {@code batchSize}), the rows past the frames zero: the network sees a
 * handful of shapes (7 for batches of 64), so a backend that prepares per shape (TorchScript's
 * profiling executor, oneDNN's primitive cache) does so a handful of times, while a flush of one
 * frame costs one row's forward pass, not a full batch's. Rows never mix: the network has no
 * batch normalisation and every output is per row, so a frame's outputs do not depend on the
 * padding or the other frames (MC-dropout samples excepted: their masks are random). One batch is
 * one call of {@link #score}: one pass through the backbone; the heads once without dropout and
 * once per MC-dropout sample (dropout kept on at inference, the samples stacked along the batch so
 * the heads still run once); the L2-normalised embeddings; and the novelty, one matrix product of
 * the batch's embeddings with the reference bank on the model's device. Every NDArray of a batch
 * lives in a sub-manager closed when the batch ends.
 *
 * <p>The reference bank is a uniform reservoir sample of the embeddings this predictor scored, so
 * novelty measures the distance to what this model has been shown on this thread since it started
 * serving; it starts empty (novelty 0) and is not kept across restarts or versions.
 *
 * <p>Not thread-safe: use it on the thread that {@link DrivingModel#predictor} gave it to. Its
 * forward thread is its own, started by the first {@link #submit}, named after the thread that
 * submits with {@value #FORWARD_THREAD_SUFFIX} appended, and stopped by {@link #close}.
 */
public final class BatchPredictor implements FramePredictor, AutoCloseable {
    static {
        DjlRuntime.ensureOffline();
    }

    /** Appended to the submitting thread's name to name the forward thread. */
    public static final String FORWARD_THREAD_SUFFIX = "-forward";

    private final DrivingModel model;
    private final ModelManifest manifest;
    private final int batchSize;
    private final InferenceOptions options;
    private final List<Block> trunk;
    private final Block sceneHead;
    private final Block actionHead;
    private final int frameFloats;
    // The input being filled by decode and put, and the one a pending batch's forward pass reads.
    private Input filling;
    private Input spare;
    private final float[] zeroFrame;
    private final PngRaster png = new PngRaster();
    private final NDManager bankManager;
    private final float[] bank;
    private final SplittableRandom reservoir = new SplittableRandom(0x5EEDL);
    private int bankRows;
    private long bankSeen;
    private NDArray bankOnDevice;
    private boolean bankChanged;
    private ExecutorService forwardThread;
    private PendingScores pending;
    private boolean closed;

    BatchPredictor(DrivingModel model, int batchSize, InferenceOptions options) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size is " + batchSize + "; it must be at least 1");
        }
        this.model = model;
        this.manifest = model.manifest();
        this.batchSize = batchSize;
        this.options = Objects.requireNonNull(options, "options");
        List<Block> layers = new ArrayList<>(model.block().getChildren().values());
        List<Block> heads = layers.remove(layers.size() - 1).getChildren().values();
        this.trunk = List.copyOf(layers);
        this.sceneHead = heads.get(0);
        this.actionHead = heads.get(1);
        this.frameFloats = manifest.inputChannels() * manifest.inputHeight() * manifest.inputWidth();
        this.filling = new Input(batchSize, frameFloats);
        this.spare = new Input(batchSize, frameFloats);
        this.zeroFrame = new float[frameFloats];
        this.bankManager = model.djlModel().getNDManager().newSubManager();
        this.bank = new float[options.referenceBankSize() * manifest.embeddingSize()];
        JniUtils.setNumThreads(options.resolvedIntraOpThreads());
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    /**
     * The rows the forward pass of a batch of {@code frames} frames runs with: the smallest power of
     * two that holds them, at most {@code batchSize} (which need not be a power of two itself).
     */
    public static int paddedRows(int frames, int batchSize) {
        if (frames < 1 || frames > batchSize) {
            throw new IllegalArgumentException("a batch holds 1.." + batchSize + " frames, not " + frames);
        }
        int powerOfTwo = Integer.highestOneBit(frames);
        return Math.min(batchSize, powerOfTwo == frames ? frames : powerOfTwo << 1);
    }

    /** The options it was made with. */
    public InferenceOptions options() {
        return options;
    }

    /** The device the model and its batches run on. */
    @Override
    public String device() {
        return model.djlModel().getNDManager().getDevice().toString();
    }

    /** PyTorch intra-op threads of the calling thread (loads the engine if nothing has yet). */
    public static int intraOpThreads() {
        // The native library is loaded with the engine; before that the JNI call has no symbol.
        ai.djl.engine.Engine.getEngine("PyTorch");
        return JniUtils.getNumThreads();
    }

    /**
     * Decodes a frame's image into slot {@code slot} of the next batch: PNG (8-bit, non-interlaced)
     * straight from its inflated rows, other PNG and JPEG through ImageIO's raster, RAW from its bytes;
     * resized by nearest neighbour and normalised with the manifest's mean and std.
     *
     * @throws IllegalArgumentException saying why the image cannot be used (the slot is then empty)
     */
    public void decode(int slot, Image image) {
        checkSlot(slot);
        filling.filled[slot] = false;
        model.preprocessInto(image, filling.floats, slot * frameFloats, png);
        filling.filled[slot] = true;
    }

    @Override
    public void decode(int slot, FrameEvent frame) {
        decode(slot, frame.getImage());
    }

    @Override
    public List<FrameScore> trial(int count) {
        checkCount(count);
        float[] zeros = new float[frameFloats];
        for (int slot = 0; slot < count; slot++) {
            put(slot, zeros);
        }
        return score(count, false);
    }

    /** Puts an input that {@link DrivingModel#preprocess} made into slot {@code slot} of the next batch. */
    public void put(int slot, float[] preprocessed) {
        checkSlot(slot);
        if (preprocessed.length != frameFloats) {
            throw new IllegalArgumentException("input has " + preprocessed.length + " floats, expected " + frameFloats);
        }
        filling.floats.put(slot * frameFloats, preprocessed);
        filling.filled[slot] = true;
    }

    /**
     * Scores slots {@code 0 .. count-1} (each must hold a frame) in one forward pass of
     * {@link #paddedRows paddedRows(count, batchSize)} rows, and returns their scores in slot order.
     * Slots up to {@code count} stay filled, so the same inputs can be scored again; later slots are
     * emptied.
     */
    @Override
    public List<FrameScore> score(int count) {
        return score(count, true);
    }

    /**
     * Hands slots {@code 0 .. count-1} to this predictor's forward thread and returns once the batch
     * before it (if any) has left that thread; decodes go to the other input buffer meanwhile. The
     * handed-over slots are empty afterwards.
     *
     * @throws IllegalStateException when the predictor is closed
     */
    @Override
    public PendingScores submit(int count) {
        Input taken = prepare(count);
        filling = spare;
        spare = taken;
        if (forwardThread == null) {
            String name = Thread.currentThread().getName() + FORWARD_THREAD_SUFFIX;
            forwardThread = Executors.newSingleThreadExecutor(work -> {
                Thread thread = new Thread(() -> {
                    JniUtils.setNumThreads(options.resolvedIntraOpThreads());
                    work.run();
                }, name);
                thread.setDaemon(true);
                return thread;
            });
        }
        pending = PendingScores.on(forwardThread, () -> {
            try {
                return forward(taken, count, true);
            } finally {
                Arrays.fill(taken.filled, false);
            }
        });
        return pending;
    }

    private void checkCount(int count) {
        if (count < 1 || count > batchSize) {
            throw new IllegalArgumentException("count is " + count + "; a batch holds 1.." + batchSize + " frames");
        }
    }

    /** Scores slots {@code 0 .. count-1} on this thread; {@code remember} puts their embeddings into the reference bank. */
    private List<FrameScore> score(int count, boolean remember) {
        return forward(prepare(count), count, remember);
    }

    /**
     * Waits for the pending batch to leave the forward thread, checks that slots {@code 0 .. count-1}
     * of the filling input hold frames and zeroes the padding rows after them, so that no earlier
     * frame is scored again as padding (a handed-over input keeps its old frames, marked empty); a
     * slot past this batch's rows is emptied too, so a later batch cannot count it as a frame.
     */
    private Input prepare(int count) {
        if (closed) {
            throw new IllegalStateException("predictor of " + model + " is closed");
        }
        checkCount(count);
        if (pending != null) {
            pending.join();
        }
        int rows = paddedRows(count, batchSize);
        for (int i = 0; i < batchSize; i++) {
            if (i < count && !filling.filled[i]) {
                throw new IllegalArgumentException("slot " + i + " holds no frame; decode or put one first");
            }
            if (i >= count && i < rows) {
                filling.floats.put(i * frameFloats, zeroFrame);
            }
            if (i >= count) {
                filling.filled[i] = false;
            }
        }
        return filling;
    }

    private List<FrameScore> forward(Input input, int count, boolean remember) {
        boolean gradMode = JniUtils.isGradMode();
        // DJL turns autograd off only on the thread that started the engine.
        JniUtils.setGradMode(false);
        try (NDManager batch = model.djlModel().getNDManager().newSubManager()) {
            return run(batch, input.bytes, paddedRows(count, batchSize), count, remember);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    private List<FrameScore> run(NDManager batch, ByteBuffer input, int rows, int count, boolean remember) {
        ParameterStore parameters = new ParameterStore(batch, false);
        // The tensor is the first rows of the buffer: DJL wants exactly its bytes between position and limit.
        input.limit(rows * frameFloats * Float.BYTES).rewind();
        NDArray x;
        try {
            x = batch.create(input, new Shape(rows, manifest.inputChannels(), manifest.inputHeight(),
                    manifest.inputWidth()), DataType.FLOAT32);
        } finally {
            input.clear();
        }
        NDList features = new NDList(x);
        for (Block layer : trunk) {
            features = layer.forward(parameters, features, false);
        }
        NDArray embedding = features.singletonOrThrow();
        int samples = options.mcSamples();
        NDArray headInput = embedding;
        if (samples > 0) {
            // Dropout forced on (training=true) whatever mode the predictor runs in: the samples
            // differ by their masks, which is where the disagreement comes from.
            NDArray dropped = Dropout.dropout(embedding.tile(new long[] {samples, 1}), options.dropoutRate(), true)
                    .singletonOrThrow();
            headInput = embedding.concat(dropped, 0);
        }
        float[] probabilities = sceneHead.forward(parameters, new NDList(headInput), false).singletonOrThrow()
                .softmax(1).toFloatArray();
        float[] actions = actionHead.forward(parameters, new NDList(headInput), false).singletonOrThrow()
                .toFloatArray();
        NDArray normalised = embedding.div(embedding.norm(new int[] {1}, true).maximum(1e-12f));
        float[] embeddings = normalised.toFloatArray();
        float[] novelty = novelty(batch, normalised, rows);
        if (remember) {
            remember(embeddings, count);
        }

        int classes = manifest.sceneClasses().size();
        int width = manifest.embeddingSize();
        List<FrameScore> scores = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            float[][] sampleProbabilities = new float[samples][];
            float[] sampleSteering = new float[samples];
            float[] sampleAcceleration = new float[samples];
            for (int k = 0; k < samples; k++) {
                int row = (1 + k) * rows + i;
                sampleProbabilities[k] = Arrays.copyOfRange(probabilities, row * classes, (row + 1) * classes);
                sampleSteering[k] = actions[2 * row];
                sampleAcceleration[k] = actions[2 * row + 1];
            }
            scores.add(new FrameScore(Arrays.copyOfRange(probabilities, i * classes, (i + 1) * classes),
                    actions[2 * i], actions[2 * i + 1], spread(sampleSteering), spread(sampleAcceleration),
                    sampleProbabilities, sampleSteering, sampleAcceleration,
                    Arrays.copyOfRange(embeddings, i * width, (i + 1) * width), novelty[i]));
        }
        return scores;
    }

    /** Per row, 1 − the mean cosine similarity to its nearest bank embeddings; zeros while the bank is empty. */
    private float[] novelty(NDManager batch, NDArray normalised, int rows) {
        if (bankRows == 0) {
            return new float[rows];
        }
        if (bankChanged || bankOnDevice == null) {
            if (bankOnDevice != null) {
                bankOnDevice.close();
            }
            int width = manifest.embeddingSize();
            bankOnDevice = bankManager.create(FloatBuffer.wrap(bank, 0, bankRows * width), new Shape(bankRows, width));
            bankChanged = false;
        }
        int k = Math.min(options.neighbours(), bankRows);
        // N×B: bank rows against the batch's columns, so the bank needs no transposed copy.
        NDArray similarities = bankOnDevice.matMul(normalised.transpose());
        similarities.attach(batch);
        NDArray nearest = similarities.topK(k, 0, true, false).get(0);
        return nearest.mean(new int[] {0}).neg().add(1f).toFloatArray();
    }

    /**
     * Reservoir sampling (Algorithm R): every finite embedding scored so far is in the bank with equal
     * chance. An embedding with a NaN or infinity is left out: in the bank it would make the novelty
     * of every later frame NaN (its similarity row is NaN for all of them), and the frame it belongs to
     * goes to the DLQ anyway.
     */
    private void remember(float[] embeddings, int count) {
        int size = options.referenceBankSize();
        if (size == 0) {
            return;
        }
        int width = manifest.embeddingSize();
        for (int i = 0; i < count; i++) {
            if (!allFinite(embeddings, i * width, width)) {
                continue;
            }
            bankSeen++;
            int row;
            if (bankRows < size) {
                row = bankRows++;
            } else {
                long pick = reservoir.nextLong(bankSeen);
                if (pick >= size) {
                    continue;
                }
                row = (int) pick;
            }
            System.arraycopy(embeddings, i * width, bank, row * width, width);
            bankChanged = true;
        }
    }

    private static boolean allFinite(float[] values, int from, int length) {
        for (int i = from; i < from + length; i++) {
            if (!Float.isFinite(values[i])) {
                return false;
            }
        }
        return true;
    }

    /** Embeddings now in the reference bank. */
    public int referenceBankRows() {
        return bankRows;
    }

    private static float spread(float[] values) {
        if (values.length < 2) {
            return 0;
        }
        double mean = 0;
        for (float v : values) {
            mean += v;
        }
        mean /= values.length;
        double squares = 0;
        for (float v : values) {
            squares += (v - mean) * (v - mean);
        }
        return (float) Math.sqrt(squares / values.length);
    }

    private void checkSlot(int slot) {
        if (slot < 0 || slot >= batchSize) {
            throw new IllegalArgumentException("slot " + slot + " is outside the batch of " + batchSize);
        }
    }

    /** Waits for a pending batch, then stops the forward thread and frees the reference bank and the decoder. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (pending != null) {
            pending.join();
        }
        if (forwardThread != null) {
            forwardThread.shutdown();
        }
        bankManager.close();
        png.close();
    }

    /** One input buffer: {@code batchSize} slots of a frame's floats, and which of them hold a frame. */
    private static final class Input {
        final ByteBuffer bytes;
        final FloatBuffer floats;
        final boolean[] filled;

        Input(int batchSize, int frameFloats) {
            bytes = ByteBuffer.allocateDirect(Math.multiplyExact(batchSize, frameFloats) * Float.BYTES)
                    .order(ByteOrder.nativeOrder());
            floats = bytes.asFloatBuffer();
            filled = new boolean[batchSize];
        }
    }
}
