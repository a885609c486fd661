package io.gleaner.queue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gleaner tasks and labels in Label Studio's JSON task format, and Label Studio annotations back
 * as {@link Label}s. Pure: no I/O; {@link LabelStudioExport} and {@link LabelStudioImport} do the
 * database side.
 *
 * <p>The format is Label Studio's documented one (labelstud.io/guide/task_format and
 * labelstud.io/guide/predictions): a task is {@code {"data": {...}, "predictions": [...],
 * "annotations": [...]}}; every prediction and annotation has a {@code result} list whose items
 * name the control ({@code from_name}), the object ({@code to_name}), the {@code type} and a
 * {@code value}. The labeling config this mapping assumes is {@link #labelingConfig}: an
 * {@code Image} named {@value #IMAGE}, a single-choice {@code Choices} named {@value #SCENE}, two
 * {@code Number} controls from -1 to 1 named {@value #STEERING} and {@value #ACCELERATION}, and a
 * {@code TextArea} named {@value #NOTES}.
 *
 * <p>A task's {@code data} carries the image as a {@code data:} URI (or the fleet's own URI when
 * the queue stores only that) and {@code frame_id}, which the import uses to find the task again;
 * Label Studio keeps {@code data} as given. The model's outputs become one prediction (its most
 * probable scene, its action); Gleaner's human labels become annotations.
 */
public final class LabelStudioFormat {
    /** The {@code Image} object's name, and the {@code data} key holding the image. */
    public static final String IMAGE = "image";
    /** The {@code Choices} control for the scene class. */
    public static final String SCENE = "scene";
    /** The {@code Number} control for the correct steering, -1 .. 1. */
    public static final String STEERING = "steering";
    /** The {@code Number} control for the correct acceleration, -1 .. 1. */
    public static final String ACCELERATION = "acceleration";
    /** The {@code TextArea} control for notes. */
    public static final String NOTES = "notes";
    /** The {@code data} key that names the frame; the import finds the task by it. */
    public static final String FRAME_ID = "frame_id";
    /** Prefix of the labeler id an imported annotation is stored under, e.g. {@code label-studio:7}. */
    public static final String LABELER_PREFIX = "label-studio:";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Pattern EXPORTED_RESULT_ID = Pattern.compile("gleaner-([1-9][0-9]{0,17})-[a-z]+");

    /**
     * One Label Studio annotation read as a label for a frame.
     *
     * @param echoOfLabelId the Gleaner label this annotation was exported from (its result ids say
     *     so), or {@code null} for an annotation made in Label Studio
     */
    public record Annotation(String frameId, String labelerId, Label label, Long echoOfLabelId) {}

    /**
     * What an export file held: annotations that read as labels, how many were cancelled
     * (Label Studio's "skip"), and the ones refused, each with what was wrong.
     */
    public record Parsed(List<Annotation> annotations, int cancelled, List<String> refused) {}

    private LabelStudioFormat() {}

    /** The labeling config (Label Studio's XML) the export and import assume, for these scene classes. */
    public static String labelingConfig(List<String> sceneClasses) {
        StringBuilder xml = new StringBuilder("""
                <View>
                  <Image name="image" value="$image"/>
                  <Header value="$why"/>
                  <Choices name="scene" toName="image" choice="single" required="true">
                """);
        for (String scene : sceneClasses) {
            xml.append("    <Choice value=\"").append(escapeXml(scene)).append("\"/>\n");
        }
        xml.append("""
                  </Choices>
                  <Number name="steering" toName="image" min="-1" max="1" step="0.01" required="true"/>
                  <Number name="acceleration" toName="image" min="-1" max="1" step="0.01" required="true"/>
                  <TextArea name="notes" toName="image" maxSubmissions="1"/>
                </View>
                """);
        return xml.toString();
    }

    /**
     * One task in Label Studio's format.
     *
     * @param image the stored image ({@code bytes} become a {@code data:} URI)
     */
    public static ObjectNode task(TaskDetail detail, TaskImage image) {
        ObjectNode task = JSON.objectNode();
        ObjectNode data = task.putObject("data");
        data.put(IMAGE, image.bytes() != null
                ? "data:" + mediaType(image.encoding()) + ";base64," + Base64.getEncoder().encodeToString(image.bytes())
                : image.uri());
        data.put(FRAME_ID, detail.frameId());
        data.put("task_id", detail.taskId());
        data.put("vehicle_id", detail.vehicleId());
        data.put("priority", detail.priority());
        data.put("why", why(detail.triggers()));
        data.put("driver_steering", detail.humanSteering());
        data.put("driver_acceleration", detail.humanAcceleration());

        ArrayNode predictions = task.putArray("predictions");
        // The most probable scene, ties to the first name, as TeamReport decides "the model's scene".
        Map.Entry<String, Double> best = null;
        for (Map.Entry<String, Double> scene : detail.sceneProbabilities().entrySet()) {
            if (best == null || scene.getValue() > best.getValue()
                    || (scene.getValue().equals(best.getValue()) && scene.getKey().compareTo(best.getKey()) < 0)) {
                best = scene;
            }
        }
        ObjectNode prediction = predictions.addObject().put("model_version", detail.modelVersion());
        ArrayNode result = prediction.putArray("result");
        if (best != null) {
            prediction.put("score", best.getValue());
            choice(result, "model-scene", best.getKey()).put("score", best.getValue());
        }
        number(result, "model-steering", STEERING, detail.predictedSteering());
        number(result, "model-acceleration", ACCELERATION, detail.predictedAcceleration());

        ArrayNode annotations = task.putArray("annotations");
        for (RecordedLabel label : detail.labels()) {
            String id = "gleaner-" + label.labelId();
            ObjectNode annotation = annotations.addObject();
            ArrayNode items = annotation.putArray("result");
            choice(items, id + "-scene", label.label().scene());
            number(items, id + "-steering", STEERING, label.label().steering());
            number(items, id + "-acceleration", ACCELERATION, label.label().acceleration());
            if (label.label().notes() != null) {
                item(items, id + "-notes", NOTES, "textarea").putObject("value").putArray("text").add(label.label().notes());
            }
            annotation.put("was_cancelled", false)
                    .put("ground_truth", label.completesTask())
                    .put("created_at", label.createdAt().toString());
        }
        return task;
    }

    /**
     * The annotations of a Label Studio JSON export (a list of tasks) as labels. A task without
     * {@code data.frame_id} or an annotation without a scene, steering or acceleration in range is
     * refused with the reason; cancelled annotations are counted and left out.
     *
     * @throws IllegalArgumentException if {@code export} is not a list of tasks
     */
    public static Parsed annotations(JsonNode export) {
        requireTaskList(export);
        List<Annotation> annotations = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        int cancelled = 0;
        int index = 0;
        for (JsonNode task : export) {
            String where = "task " + (task.hasNonNull("id") ? task.get("id").asText() : "#" + index);
            index++;
            JsonNode frame = task.path("data").path(FRAME_ID);
            JsonNode list = task.path("annotations");
            if (!list.isArray() || list.isEmpty()) {
                continue;
            }
            if (!frame.isTextual() || frame.asText().isBlank()) {
                refused.add(where + ": data.frame_id is missing; only tasks exported by Gleaner can be imported");
                continue;
            }
            for (JsonNode annotation : list) {
                String which = where + " annotation " + annotation.path("id").asText("?");
                if (annotation.path("was_cancelled").asBoolean(false)) {
                    cancelled++;
                    continue;
                }
                try {
                    JsonNode result = annotation.path("result");
                    annotations.add(new Annotation(frame.asText(), labelerId(annotation), label(result), echoOf(result)));
                } catch (IllegalArgumentException e) {
                    refused.add(which + ": " + e.getMessage());
                }
            }
        }
        return new Parsed(annotations, cancelled, refused);
    }

    /**
     * One labeled frame of a Label Studio export with its image inline, as a golden set holds it.
     *
     * @param frameId {@code data.frame_id}, or {@code task <id>} for a task made outside Gleaner
     * @param imageEncoding the {@code ImageEncoding} name of the data URI's media type
     * @param image the encoded image bytes
     */
    public record LabeledFrame(String frameId, String imageEncoding, byte[] image, Label label) {}

    /** What an export file held as labeled frames, and the tasks refused, each with what was wrong. */
    public record LabeledFrames(List<LabeledFrame> frames, List<String> refused) {}

    /**
     * Every task of a Label Studio JSON export as one labeled frame: its image from {@code data.image},
     * which must be an inline {@code data:} URI of a PNG or JPEG (Gleaner's export writes them so),
     * and its label from the annotation marked {@code ground_truth}, else the first one that reads
     * as a label. A task with no such annotation or no inline image is refused with the reason.
     *
     * @throws IllegalArgumentException if {@code export} is not a list of tasks
     */
    public static LabeledFrames labeledFrames(JsonNode export) {
        requireTaskList(export);
        List<LabeledFrame> frames = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        int index = 0;
        for (JsonNode task : export) {
            String where = "task " + (task.hasNonNull("id") ? task.get("id").asText() : "#" + index);
            index++;
            try {
                JsonNode frame = task.path("data").path(FRAME_ID);
                String frameId = frame.isTextual() && !frame.asText().isBlank() ? frame.asText() : where;
                InlineImage image = inlineImage(task.path("data").path(IMAGE));
                frames.add(new LabeledFrame(frameId, image.encoding(), image.bytes(), chosenLabel(task)));
            } catch (IllegalArgumentException e) {
                refused.add(where + ": " + e.getMessage());
            }
        }
        return new LabeledFrames(frames, refused);
    }

    private record InlineImage(String encoding, byte[] bytes) {}

    private static InlineImage inlineImage(JsonNode image) {
        String uri = image.asText("");
        int comma = uri.indexOf(',');
        String header = comma < 0 ? "" : uri.substring(0, comma);
        String encoding = switch (header) {
            case "data:image/png;base64" -> "IMAGE_ENCODING_PNG";
            case "data:image/jpeg;base64" -> "IMAGE_ENCODING_JPEG";
            default -> throw new IllegalArgumentException("data.image must be an inline data:image/png;base64 or"
                    + " data:image/jpeg;base64 URI (Gleaner's export writes them so), not "
                    + (uri.isEmpty() ? "nothing" : "'" + uri.substring(0, Math.min(uri.length(), 40)) + "'"));
        };
        try {
            return new InlineImage(encoding, Base64.getDecoder().decode(uri.substring(comma + 1)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("data.image is not valid base64: " + e.getMessage(), e);
        }
    }

    /** The annotation marked {@code ground_truth}, else the first that reads as a label. */
    private static Label chosenLabel(JsonNode task) {
        Label first = null;
        String firstProblem = "the task has none that is not cancelled";
        for (JsonNode annotation : task.path("annotations")) {
            if (annotation.path("was_cancelled").asBoolean(false)) {
                continue;
            }
            try {
                Label label = label(annotation.path("result"));
                if (annotation.path("ground_truth").asBoolean(false)) {
                    return label;
                }
                first = first == null ? label : first;
            } catch (IllegalArgumentException e) {
                firstProblem = e.getMessage();
            }
        }
        if (first == null) {
            throw new IllegalArgumentException("no annotation reads as a label: " + firstProblem);
        }
        return first;
    }

    private static void requireTaskList(JsonNode export) {
        if (export == null || !export.isArray()) {
            throw new IllegalArgumentException("a Label Studio export is a JSON list of tasks (Export > JSON in"
                    + " Label Studio); this is "
                    + (export == null ? "empty" : export.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
    }

    private static Label label(JsonNode result) {
        String scene = null;
        Double steering = null;
        Double acceleration = null;
        String notes = null;
        for (JsonNode item : result) {
            JsonNode value = item.path("value");
            switch (item.path("from_name").asText()) {
                case SCENE -> {
                    JsonNode choices = value.path("choices");
                    if (choices.size() != 1) {
                        throw new IllegalArgumentException("scene has " + choices.size() + " choices, needs exactly one");
                    }
                    scene = choices.get(0).asText();
                }
                case STEERING -> steering = number(value, STEERING);
                case ACCELERATION -> acceleration = number(value, ACCELERATION);
                case NOTES -> notes = String.join("\n", texts(value.path("text")));
                default -> { }
            }
        }
        if (scene == null || steering == null || acceleration == null) {
            throw new IllegalArgumentException("needs a scene choice and steering and acceleration numbers (controls "
                    + SCENE + ", " + STEERING + ", " + ACCELERATION + "); use the labeling config of gleaner's export");
        }
        return new Label(scene, steering.floatValue(), acceleration.floatValue(), notes);
    }

    /** The Gleaner label id in result ids like {@code gleaner-42-scene}, as {@link #task} writes them. */
    private static Long echoOf(JsonNode result) {
        for (JsonNode item : result) {
            Matcher m = EXPORTED_RESULT_ID.matcher(item.path("id").asText());
            if (m.matches()) {
                return Long.parseLong(m.group(1));
            }
        }
        return null;
    }

    private static double number(JsonNode value, String control) {
        JsonNode number = value.path("number");
        if (!number.isNumber()) {
            throw new IllegalArgumentException(control + " has no value.number");
        }
        return number.asDouble();
    }

    private static List<String> texts(JsonNode text) {
        List<String> lines = new ArrayList<>();
        if (text.isArray()) {
            text.forEach(t -> lines.add(t.asText()));
        } else if (text.isTextual()) {
            lines.add(text.asText());
        }
        return lines;
    }

    /**
     * The annotator as a Gleaner labeler id: Label Studio exports {@code completed_by} as a user id,
     * or as an object with the user's email (and id) in some versions.
     */
    private static String labelerId(JsonNode annotation) {
        JsonNode by = annotation.path("completed_by");
        String who;
        if (by.isObject()) {
            who = by.hasNonNull("email") ? by.get("email").asText() : by.path("id").asText("");
        } else {
            who = by.isValueNode() ? by.asText("") : "";
        }
        if (who.isBlank()) {
            throw new IllegalArgumentException("completed_by is missing: the annotator cannot be told apart");
        }
        return LABELER_PREFIX + who;
    }

    private static ObjectNode item(ArrayNode result, String id, String control, String type) {
        return result.addObject().put("id", id).put("from_name", control).put("to_name", IMAGE).put("type", type);
    }

    private static ObjectNode choice(ArrayNode result, String id, String scene) {
        ObjectNode item = item(result, id, SCENE, "choices");
        item.putObject("value").putArray("choices").add(scene);
        return item;
    }

    private static void number(ArrayNode result, String id, String control, float value) {
        item(result, id, control, "number").putObject("value").put("number", value);
    }

    private static String why(List<FiredTrigger> triggers) {
        StringBuilder why = new StringBuilder("harvested by");
        for (FiredTrigger t : triggers) {
            why.append(' ').append(t.name()).append(String.format(Locale.ROOT, " %.3f >= %.3f;", t.score(), t.threshold()));
        }
        return why.toString();
    }

    private static String mediaType(String encoding) {
        return switch (encoding) {
            case "IMAGE_ENCODING_PNG" -> "image/png";
            case "IMAGE_ENCODING_JPEG" -> "image/jpeg";
            default -> "application/octet-stream";
        };
    }

    private static String escapeXml(String text) {
        return text.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
