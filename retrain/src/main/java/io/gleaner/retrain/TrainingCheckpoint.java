package io.gleaner.retrain;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The state a training run needs to go on after a crash, written after every epoch: the network's
 * parameters (batch-norm statistics included), the optimiser's moments, and the run's own progress
 * record (a JSON-mapped record of the caller's type: epochs done, losses, what run it is).
 * Pretraining ({@code ssl.Pretrainer}) and fine-tuning ({@link TrainingLoop}) both write it.
 *
 * <p>Layout: {@code <dir>/epoch-0003/{network.params, optimizer.ndlist, progress.json}} and a
 * {@code LATEST} file naming the newest complete epoch folder. An epoch folder is complete before
 * {@code LATEST} is atomically replaced to point at it, so a crash while writing leaves the previous
 * checkpoint in force; older folders are deleted afterwards.
 */
public final class TrainingCheckpoint {
    /** The file naming the newest complete epoch folder. */
    public static final String LATEST = "LATEST";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainingCheckpoint() {}

    /** A block and the manager its loaded parameters belong to. */
    public record Part(Block block, NDManager manager) {}

    /** Writes the checkpoint of epoch {@code completedEpochs} and makes it the one in force. */
    public static void save(Path dir, int completedEpochs, Object progress, List<Part> network,
            NDList optimizerState) {
        String name = String.format("epoch-%04d", completedEpochs);
        Path epochDir = dir.resolve(name);
        try {
            Files.createDirectories(dir);
            deleteRecursively(epochDir);
            Files.createDirectories(epochDir);
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
                    Files.newOutputStream(epochDir.resolve("network.params"))))) {
                for (Part part : network) {
                    part.block().saveParameters(out);
                }
            }
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(epochDir.resolve("optimizer.ndlist")))) {
                optimizerState.encode(out);
            }
            JSON.writeValue(epochDir.resolve("progress.json").toFile(), progress);
            Path tmp = dir.resolve(LATEST + ".tmp");
            Files.writeString(tmp, name, StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve(LATEST), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try (Stream<Path> old = Files.list(dir)) {
                for (Path p : old.filter(p -> p.getFileName().toString().startsWith("epoch-")
                        && !p.getFileName().toString().equals(name)).toList()) {
                    deleteRecursively(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write training checkpoint to " + epochDir + ": " + e.getMessage(), e);
        }
    }

    /** The progress record of the newest checkpoint in {@code dir}, if there is one. */
    public static <T> Optional<T> progress(Path dir, Class<T> type) {
        Path latest = dir.resolve(LATEST);
        if (!Files.isRegularFile(latest)) {
            return Optional.empty();
        }
        try {
            Path epochDir = dir.resolve(Files.readString(latest, StandardCharsets.UTF_8).trim());
            return Optional.of(JSON.readValue(epochDir.resolve("progress.json").toFile(), type));
        } catch (IOException e) {
            throw new UncheckedIOException("training checkpoint in " + dir + " is unreadable (" + e.getMessage()
                    + "); delete the folder to start over", e);
        }
    }

    /**
     * Loads the newest checkpoint's parameters into the parts of {@code network}, each onto its own
     * manager, and returns the optimiser state (on {@code manager}).
     */
    public static NDList restore(Path dir, List<Part> network, NDManager manager) {
        try {
            Path epochDir = dir.resolve(Files.readString(dir.resolve(LATEST), StandardCharsets.UTF_8).trim());
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(
                    Files.newInputStream(epochDir.resolve("network.params"))))) {
                for (Part part : network) {
                    part.block().loadParameters(part.manager(), in);
                }
            }
            try (InputStream in = new BufferedInputStream(Files.newInputStream(epochDir.resolve("optimizer.ndlist")))) {
                return NDList.decode(manager, in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read training checkpoint in " + dir + ": " + e.getMessage()
                    + "; delete the folder to start over", e);
        } catch (MalformedModelException e) {
            throw new IllegalArgumentException("training checkpoint in " + dir + " does not fit this network: "
                    + e.getMessage() + "; delete the folder to start over", e);
        }
    }

    /** Deletes {@code dir} and every checkpoint in it; nothing happens when it does not exist. */
    public static void delete(Path dir) {
        try {
            deleteRecursively(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete training checkpoint folder " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
