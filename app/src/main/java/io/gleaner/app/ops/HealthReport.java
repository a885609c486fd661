package io.gleaner.app.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A role's answer to {@code GET /health}: healthy when every check is, shown as
 * {@code {"role":..., "status":"UP"|"DOWN", "checks":{name:{"status":..., ...details}}}}.
 *
 * @param role the role name ({@code score}, {@code serve}, ...)
 * @param checks each check's result by name, in the order they were added
 */
public record HealthReport(String role, Map<String, HealthCheck.Result> checks) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public HealthReport {
        checks = new LinkedHashMap<>(checks);
    }

    public boolean healthy() {
        return checks.values().stream().allMatch(HealthCheck.Result::healthy);
    }

    /** 200 when healthy, 503 otherwise. */
    public int httpStatus() {
        return healthy() ? 200 : 503;
    }

    public String toJson() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("role", role);
        body.put("status", status(healthy()));
        Map<String, Object> shown = new LinkedHashMap<>();
        checks.forEach((name, result) -> {
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("status", status(result.healthy()));
            check.putAll(new TreeMap<>(result.details()));
            shown.put(name, check);
        });
        body.put("checks", shown);
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("health of " + role + " could not be written as JSON: " + e.getMessage(), e);
        }
    }

    private static String status(boolean healthy) {
        return healthy ? "UP" : "DOWN";
    }
}
