package io.gleaner.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.schema.v1.Trigger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the JSONB columns of {@code edge_case_tasks} from an edge case's protobuf fields, and reads them back. */
final class EdgeCaseJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private EdgeCaseJson() {}

    /**
     * {@code {"clear_road": 0.7, ...}} in the model's class order.
     *
     * @throws IllegalArgumentException if classes and probabilities differ in number
     */
    static String sceneProbabilities(ScoredFrame scored) {
        List<String> classes = scored.getSceneClassesList();
        List<Float> probabilities = scored.getSceneProbabilitiesList();
        if (classes.size() != probabilities.size()) {
            throw new IllegalArgumentException("frame " + scored.getFrame().getFrameId() + ": "
                    + classes.size() + " scene classes but " + probabilities.size()
                    + " probabilities; the scorer must send one probability per class");
        }
        ObjectNode node = MAPPER.createObjectNode();
        for (int i = 0; i < classes.size(); i++) {
            node.put(classes.get(i), probabilities.get(i).floatValue());
        }
        return write(node);
    }

    /** {@code [{"name": "entropy", "score": 0.9, "threshold": 0.5}, ...]} in trigger order. */
    static String triggers(List<Trigger> triggers) {
        ArrayNode array = MAPPER.createArrayNode();
        for (Trigger trigger : triggers) {
            array.addObject()
                    .put("name", trigger.getName())
                    .put("score", trigger.getScore())
                    .put("threshold", trigger.getThreshold());
        }
        return write(array);
    }

    /** Reads {@link #sceneProbabilities}' column back: scene class to probability. */
    static Map<String, Double> readSceneProbabilities(String json) {
        Map<String, Double> probabilities = new LinkedHashMap<>();
        read(json).fields().forEachRemaining(e -> probabilities.put(e.getKey(), e.getValue().asDouble()));
        return probabilities;
    }

    /** Reads {@link #triggers}' column back, in order. */
    static List<FiredTrigger> readTriggers(String json) {
        List<FiredTrigger> triggers = new ArrayList<>();
        for (JsonNode node : read(json)) {
            triggers.add(new FiredTrigger(node.path("name").asText(), node.path("score").asDouble(),
                    node.path("threshold").asDouble()));
        }
        return triggers;
    }

    private static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            // The column is JSONB, which PostgreSQL only stores when it parses.
            throw new IllegalStateException("stored JSON does not parse: " + e.getMessage(), e);
        }
    }

    private static String write(Object node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            // Jackson trees of strings and numbers always serialise; reaching here is a bug.
            throw new IllegalStateException("cannot serialise " + node, e);
        }
    }
}
