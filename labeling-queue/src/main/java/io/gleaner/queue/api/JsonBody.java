package io.gleaner.queue.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A request's JSON object, read strictly: unknown fields, wrong types and missing required fields
 * are 422 with the field's name, malformed JSON is 400. An empty body reads as {@code {}}.
 */
final class JsonBody {
    private final JsonNode node;

    private JsonBody(JsonNode node) {
        this.node = node;
    }

    static JsonBody parse(ObjectMapper mapper, byte[] body, Set<String> allowed) {
        JsonNode node;
        if (body.length == 0) {
            node = mapper.createObjectNode();
        } else {
            try {
                node = mapper.readTree(body);
            } catch (JsonProcessingException e) {
                throw new ApiException(400, "malformed_json",
                        "the request body is not valid JSON: " + e.getOriginalMessage());
            } catch (IOException e) {
                throw new ApiException(400, "malformed_json", "the request body could not be read as JSON");
            }
        }
        if (node == null || !node.isObject()) {
            throw ApiException.invalid("the request body must be a JSON object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw ApiException.invalid("unknown field '" + shown(name) + "': this route takes " + allowed);
            }
        }
        return new JsonBody(node);
    }

    String requiredText(String field) {
        String value = optionalText(field);
        if (value == null) {
            throw ApiException.invalid("field '" + field + "' is required and must be a string");
        }
        return value;
    }

    String optionalText(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw ApiException.invalid("field '" + field + "' must be a string");
        }
        return value.textValue();
    }

    double requiredNumber(String field) {
        Double value = optionalNumber(field);
        if (value == null) {
            throw ApiException.invalid("field '" + field + "' is required and must be a number");
        }
        return value;
    }

    Double optionalNumber(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber()) {
            throw ApiException.invalid("field '" + field + "' must be a number");
        }
        return value.doubleValue();
    }

    Integer optionalInt(String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw ApiException.invalid("field '" + field + "' must be a whole number");
        }
        return value.intValue();
    }

    List<String> requiredTextList(String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isArray()) {
            throw ApiException.invalid("field '" + field + "' is required and must be an array of strings");
        }
        List<String> items = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                throw ApiException.invalid("field '" + field + "' must hold only strings");
            }
            items.add(item.textValue());
        }
        return items;
    }

    List<Long> requiredIdList(String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isArray() || value.isEmpty()) {
            throw ApiException.invalid("field '" + field + "' is required and must be a non-empty array of task ids");
        }
        List<Long> items = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isIntegralNumber() || !item.canConvertToLong() || item.longValue() < 1) {
                throw ApiException.invalid("field '" + field + "' must hold only positive whole-number task ids");
            }
            items.add(item.longValue());
        }
        return items;
    }

    /** A client's string as an error message shows it: short, so a huge field cannot flood logs. */
    static String shown(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "…";
    }
}
