package io.gleaner.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.app.demo.TruthOracleLabeler;
import io.gleaner.ingest.IngestTopology;
import io.gleaner.queue.TaskQueue;
import io.gleaner.retrain.RetrainService;
import io.gleaner.scorer.ScorerTopology;
import io.gleaner.uncertainty.SelectionTopology;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The simulator's truth (scenario, correct action, human mistakes) must never steer the engine:
 * only the demo's oracle labeler and the benchmarks may read it. This test reads the compiled
 * classes of every engine stage (the jar or classes folder each module is loaded from) and fails,
 * naming the class, when any of them mentions {@code io.gleaner.ingest.sim} in its constant pool,
 * which is where a class file names every class, field and method it uses.
 */
class TruthIsolationTest {
    private static final String SIM_PACKAGE = "io/gleaner/ingest/sim/";

    @Test
    void engineStagesDoNotReferenceTheSimulatorOrItsTruth() throws IOException {
        Map<String, Class<?>> stages = new LinkedHashMap<>();
        stages.put("scorer", ScorerTopology.class);
        stages.put("uncertainty", SelectionTopology.class);
        stages.put("labeling-queue", TaskQueue.class);
        stages.put("retrain", RetrainService.class);
        for (Map.Entry<String, Class<?>> stage : stages.entrySet()) {
            Map<String, byte[]> classes = classesOf(stage.getValue());
            assertThat(classes).as("classes of %s found next to %s", stage.getKey(), stage.getValue().getName())
                    .containsKey(internalName(stage.getValue()) + ".class");
            assertThat(referencingSimulator(classes))
                    .as("classes of %s that reference %s: truth must stay out of band (TruthLog), read only by "
                            + "the demo labeler and benchmarks; pass what the stage needs through FrameEvent instead",
                            stage.getKey(), SIM_PACKAGE)
                    .isEmpty();
        }
    }

    @Test
    void theIngestTopologyDoesNotReferenceTheSimulatorThatLivesInItsModule() throws IOException {
        Map<String, byte[]> classes = classesOf(IngestTopology.class);
        classes.keySet().removeIf(name -> name.startsWith(SIM_PACKAGE));
        assertThat(classes).containsKey(internalName(IngestTopology.class) + ".class");
        assertThat(referencingSimulator(classes)).as("ingest classes outside %s that reference it", SIM_PACKAGE)
                .isEmpty();
    }

    @Test
    void theScanFindsAReferenceWhereThereIsOne() throws IOException {
        // The oracle labeler reads Truth on purpose: if the scan missed it, the test above would prove nothing.
        assertThat(referencingSimulator(classesOf(TruthOracleLabeler.class)))
                .contains(internalName(TruthOracleLabeler.class) + ".class");
    }

    /** The class files that name something in the simulator package in their constant pool. */
    private static List<String> referencingSimulator(Map<String, byte[]> classes) throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Map.Entry<String, byte[]> entry : classes.entrySet()) {
            if (constantPoolText(entry.getValue()).stream().anyMatch(text -> text.contains(SIM_PACKAGE))) {
                offenders.add(entry.getKey());
            }
        }
        return offenders;
    }

    /** Every CONSTANT_Utf8 entry of a class file (JVMS 4.4). */
    private static List<String> constantPoolText(byte[] classFile) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file (bad magic number)");
        }
        in.readUnsignedShort(); // minor version
        in.readUnsignedShort(); // major version
        int count = in.readUnsignedShort();
        List<String> text = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> text.add(in.readUTF()); // Utf8, in the JVM's modified UTF-8, which readUTF reads
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                case 5, 6 -> {
                    in.skipNBytes(8);
                    i++; // long and double take two slots
                }
                case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
                case 15 -> in.skipNBytes(3);
                default -> throw new IOException("unknown constant pool tag " + tag + " at index " + i);
            }
        }
        return text;
    }

    /** Every class file of the jar or classes folder {@code known} was loaded from, by path inside it. */
    private static Map<String, byte[]> classesOf(Class<?> known) throws IOException {
        Path location;
        try {
            location = Path.of(known.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException("cannot locate the classes of " + known.getName(), e);
        }
        Map<String, byte[]> classes = new LinkedHashMap<>();
        if (Files.isDirectory(location)) {
            try (Stream<Path> files = Files.walk(location)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                    classes.put(location.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file));
                }
            }
        } else {
            try (JarFile jar = new JarFile(location.toFile())) {
                Enumeration<JarEntry> entries = jar.entries();
                while (entries.hasMoreElements()) {
                    JarEntry entry = entries.nextElement();
                    if (entry.getName().endsWith(".class") && !entry.getName().startsWith("META-INF/")) {
                        try (InputStream in = jar.getInputStream(entry)) {
                            classes.put(entry.getName(), in.readAllBytes());
                        }
                    }
                }
            }
        }
        assertThat(classes).as("class files at %s", location).isNotEmpty();
        return classes;
    }

    private static String internalName(Class<?> type) {
        return type.getName().replace('.', '/');
    }
}
