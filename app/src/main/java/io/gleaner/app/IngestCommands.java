package io.gleaner.app;

import io.gleaner.ingest.IngestConfig;
import io.gleaner.ingest.source.FashionMnistSource;
import io.gleaner.ingest.source.ImageFolderSource;
import io.gleaner.ingest.source.LabelLog;
import io.gleaner.ingest.source.LabeledFrame;
import io.gleaner.ingest.source.SkippedFile;
import io.gleaner.schema.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gleaner ingest}: publish real images to {@code frames.raw}, where the ingest stage
 * ({@code gleaner ingest-stream}) validates them like any fleet's frames.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Publish real images to frames.raw: the Fashion-MNIST data set, or a folder of PNG/JPEG files.",
        subcommands = {IngestCommands.FashionMnist.class, IngestCommands.Dir.class})
final class IngestCommands implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(IngestCommands.class);
    /** Labels are flushed to disk before each chunk of frames is sent, so a frame never arrives before its label. */
    private static final int CHUNK = 500;

    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a source: fashion-mnist or dir");
    }

    @Command(name = "fashion-mnist", mixinStandardHelpOptions = true,
            description = "Publish Fashion-MNIST images (apt-get install dataset-fashion-mnist) to frames.raw;"
                    + " each image's class label goes to --labels-file, out of band.")
    static final class FashionMnist implements Callable<Integer> {
        @Mixin ConnectionOptions connection;

        @Option(names = "--split", defaultValue = "train", paramLabel = "train|t10k",
                description = "Which part of the data set: train (60,000) or t10k (10,000) (default ${DEFAULT-VALUE}).")
        String split;

        @Option(names = "--limit", defaultValue = "0",
                description = "Publish at most this many images, 0 = all (default ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--labels-file", defaultValue = "${env:GLEANER_LABELS_FILE:-gleaner-data/fashion-mnist-labels.jsonl}",
                description = "Where the class labels go, one JSON line per frame id (default ${DEFAULT-VALUE}).")
        Path labelsFile;

        @Option(names = "--data-dir", defaultValue = "/usr/share/datasets/fashion-mnist",
                description = "Folder holding the gzipped IDX files (default ${DEFAULT-VALUE}).")
        Path dataDir;

        @Override
        public Integer call() {
            if (limit < 0) {
                throw new IllegalArgumentException("--limit is " + limit + "; give 0 (all) or a positive count");
            }
            FashionMnistSource.Split chosen = FashionMnistSource.Split.parse(split);
            if (!Files.isDirectory(dataDir)) {
                throw new IllegalArgumentException(dataDir + " does not exist; install the data set with"
                        + " `apt-get install dataset-fashion-mnist` or pass --data-dir");
            }
            try (FashionMnistSource source = FashionMnistSource.open(dataDir, chosen)) {
                int total = limit == 0 ? source.size() : Math.min(limit, source.size());
                long sent;
                double seconds;
                try (LabelLog labels = LabelLog.create(labelsFile);
                     RawFrameSender sender = new RawFrameSender(connection.kafka(), System.out)) {
                    List<LabeledFrame> chunk = new ArrayList<>(CHUNK);
                    for (int i = 0; i < total; i++) {
                        chunk.add(source.next());
                        if (chunk.size() == CHUNK || i == total - 1) {
                            chunk.forEach(labels::append);
                            labels.flush();
                            chunk.forEach(frame -> sender.send(frame.event()));
                            chunk.clear();
                        }
                    }
                    sent = sender.sent();
                    seconds = sender.seconds();
                }
                System.out.printf("published %d of %d Fashion-MNIST %s images to %s as vehicle %s in %.1f s (%.0f frames/s);"
                                + " labels in %s%n", sent, source.size(), chosen.fileName(), Topics.FRAMES_RAW,
                        FashionMnistSource.VEHICLE_ID, seconds, sent / seconds, labelsFile);
            }
            return 0;
        }
    }

    @Command(name = "dir", mixinStandardHelpOptions = true,
            description = "Publish every PNG/JPEG file under a folder (recursively, in path order) to frames.raw;"
                    + " unreadable or oversized files are skipped with a warning.")
    static final class Dir implements Callable<Integer> {
        @Mixin ConnectionOptions connection;

        @Parameters(index = "0", paramLabel = "PATH", description = "The folder of images.")
        Path folder;

        @Option(names = "--vehicle-id", description = "Vehicle id (and record key) of every frame (default: the folder's name).")
        String vehicleId;

        @Override
        public Integer call() {
            IngestConfig limits = IngestConfig.defaults();
            ImageFolderSource source = ImageFolderSource.open(folder, vehicleId, limits,
                    skip -> LOG.warn("skipping {} ({}): {}", skip.file(), skip.reason(), skip.detail()));
            long sent;
            double seconds;
            try (RawFrameSender sender = new RawFrameSender(connection.kafka(), System.out)) {
                source.forEachRemaining(sender::send);
                sent = sender.sent();
                seconds = sender.seconds();
            }
            System.out.printf("published %d of %d image files under %s to %s as vehicle %s in %.1f s (%.0f frames/s);"
                            + " skipped %d (%d unreadable, %d over the limits of %d bytes or %dx%d px)%n",
                    sent, source.fileCount(), folder, Topics.FRAMES_RAW, source.vehicleId(), seconds, sent / seconds,
                    source.skipped(), source.skipped(SkippedFile.Reason.UNREADABLE),
                    source.skipped(SkippedFile.Reason.OVERSIZED),
                    limits.maxImageBytes(), limits.maxWidth(), limits.maxHeight());
            return 0;
        }
    }
}
