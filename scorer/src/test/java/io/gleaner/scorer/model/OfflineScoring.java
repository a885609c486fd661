package io.gleaner.scorer.model;

import ai.djl.engine.Engine;
import java.nio.file.Path;
import java.security.Permission;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The child JVM of {@link NoNetworkScoringIT}: loads a scorer model and scores one frame the way
 * the scorer does, then prints what it scored and every network address anything in the JVM
 * tried to resolve or connect to. A recording security manager sees those: DJL opens its
 * connections with {@code Proxy.NO_PROXY}, which a proxy selector would not see. It needs
 * {@code -Djava.security.manager=allow} (Java 17 to 23).
 *
 * <p>Modes: {@code scorer <artifact folder>} saves a fresh model there, loads it back through
 * {@link DrivingModel#load} and runs one forward pass; {@code bare-engine} starts the PyTorch
 * engine without going through the scorer's classes, to show the recorder sees DJL's calls home.
 */
final class OfflineScoring {
    static final String SCORED = "SCORED";
    static final String NETWORK = "NETWORK";

    private OfflineScoring() {}

    public static void main(String[] args) {
        List<String> reached = new CopyOnWriteArrayList<>();
        System.setSecurityManager(new SecurityManager() {
            @Override
            public void checkPermission(Permission permission) {
                // Everything is allowed; only connections are recorded.
            }

            @Override
            public void checkPermission(Permission permission, Object context) {
                // As above.
            }

            @Override
            public void checkConnect(String host, int port) {
                reached.add(port < 0 ? host : host + ":" + port);
            }

            @Override
            public void checkConnect(String host, int port, Object context) {
                checkConnect(host, port);
            }
        });
        if (args.length == 2 && args[0].equals("scorer")) {
            scoreOneFrame(Path.of(args[1]));
        } else if (args.length == 1 && args[0].equals("bare-engine")) {
            System.out.println(SCORED + " engine=" + Engine.getEngine("PyTorch").getVersion());
        } else {
            throw new IllegalArgumentException("usage: OfflineScoring scorer <artifact folder> | bare-engine");
        }
        System.out.println(NETWORK + " " + reached);
    }

    private static void scoreOneFrame(Path artifactDir) {
        ModelArtifact artifact;
        try (DrivingModel created = DrivingModel.create(ModelSpec.defaults(List.of("clear", "rain", "night")), 7)) {
            artifact = created.save(artifactDir, "v1", "", DrivingModel.METHOD_RANDOM_INIT, Map.of());
        }
        try (DrivingModel loaded = DrivingModel.load(artifactDir, artifact.sha256())) {
            Prediction prediction = loaded.predict(List.of(new float[DrivingModel.INPUT_CHANNELS
                    * DrivingModel.INPUT_SIZE * DrivingModel.INPUT_SIZE])).get(0);
            float sum = 0;
            for (float p : prediction.sceneProbabilities()) {
                sum += p;
            }
            System.out.printf("%s version=%s classes=%d probability-sum=%.3f%n", SCORED, loaded.version(),
                    prediction.sceneProbabilities().length, sum);
        }
    }
}
