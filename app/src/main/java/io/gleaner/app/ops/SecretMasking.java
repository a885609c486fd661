package io.gleaner.app.ops;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which configuration keys hold secrets, and how they are shown: as {@value #MASK}. Kafka's own
 * clients already print {@code Password}-typed settings as {@code [hidden]}; this covers what the
 * app itself logs or prints (its config records, its startup lines).
 */
public final class SecretMasking {
    /** What a secret's value is replaced by wherever it is shown. */
    public static final String MASK = "******";

    private SecretMasking() {}

    /**
     * True for keys whose values are secrets: {@code sasl.jaas.config}, {@code ssl.keystore.key}
     * (PEM key material), and every key naming a password, secret or token (e.g.
     * {@code ssl.keystore.password}, {@code ssl.key.password}, {@code sasl.oauthbearer.client.secret}).
     */
    public static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.equals("sasl.jaas.config") || k.contains("password") || k.contains("secret") || k.contains("token")
                || k.equals("ssl.keystore.key");
    }

    /** The value as it may be shown for {@code key}: masked when the key is a secret. */
    public static String shown(String key, Object value) {
        return isSecret(key) ? MASK : String.valueOf(value);
    }

    /** A sorted copy of {@code settings} fit to log, secret values masked. */
    public static Map<String, String> shown(Map<String, ?> settings) {
        Map<String, String> shown = new TreeMap<>();
        settings.forEach((key, value) -> shown.put(key, shown(key, value)));
        return shown;
    }
}
