package io.gleaner.queue.api;

import io.gleaner.queue.QueueDatabaseException;
import io.gleaner.queue.TaskQueue;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Bearer tokens for the API: created with 256 random bits, stored only as their SHA-256, looked
 * up by that hash, revoked by setting {@code revoked_at}. A token's role is its labeler's role.
 *
 * <p>Thread-safe: every call takes its own connection from the {@link DataSource}.
 */
public final class ApiTokens {
    /** Every token starts with this, so a leaked one is easy to recognise in a scan. */
    public static final String PREFIX = "glq_";

    static final String INSERT = "INSERT INTO api_tokens (token_sha256, labeler_id) VALUES (?, ?)";

    static final String AUTHENTICATE = """
            SELECT t.labeler_id, l.role::text
            FROM api_tokens t JOIN labelers l ON l.labeler_id = t.labeler_id
            WHERE t.token_sha256 = ? AND t.revoked_at IS NULL
            """;

    static final String REVOKE_ONE = """
            UPDATE api_tokens SET revoked_at = now() WHERE token_sha256 = ? AND revoked_at IS NULL
            """;

    static final String REVOKE_LABELER = """
            UPDATE api_tokens SET revoked_at = now() WHERE labeler_id = ? AND revoked_at IS NULL
            """;

    static final String LIST = """
            SELECT t.token_sha256, t.labeler_id, l.role::text, t.created_at, t.revoked_at
            FROM api_tokens t JOIN labelers l ON l.labeler_id = t.labeler_id
            ORDER BY t.created_at, t.token_sha256
            """;

    private static final int TOKEN_BYTES = 32;
    private static final int MAX_TOKEN_CHARS = 256;

    private final DataSource dataSource;
    private final SecureRandom random = new SecureRandom();

    public ApiTokens(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /**
     * Registers {@code labelerId} with {@code role} (changing the role of an existing labeler, and
     * so of all its tokens) and creates a token for it.
     */
    public IssuedToken create(String labelerId, String role) {
        new TaskQueue(dataSource).ensureLabeler(labelerId, role);
        byte[] secret = new byte[TOKEN_BYTES];
        random.nextBytes(secret);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        String hash = sha256(token);
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(INSERT)) {
            st.setString(1, hash);
            st.setString(2, labelerId);
            st.executeUpdate();
        } catch (SQLException e) {
            throw new QueueDatabaseException("storing a token for labeler " + labelerId, e);
        }
        return new IssuedToken(token, hash, new Caller(labelerId, role));
    }

    /** The labeler a live token belongs to; empty when the token is unknown, revoked or malformed. */
    public Optional<Caller> authenticate(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
            return Optional.empty();
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(AUTHENTICATE)) {
            st.setString(1, sha256(token));
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? Optional.of(new Caller(rs.getString(1), rs.getString(2))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new QueueDatabaseException("token lookup", e);
        }
    }

    /** Revokes the token with this SHA-256 (hex); returns false when no live token has it. */
    public boolean revokeBySha256(String sha256) {
        return update(REVOKE_ONE, sha256.toLowerCase(Locale.ROOT), "revoking token " + sha256) == 1;
    }

    /** Revokes every live token of {@code labelerId}; returns how many. */
    public int revokeAll(String labelerId) {
        return update(REVOKE_LABELER, labelerId, "revoking the tokens of labeler " + labelerId);
    }

    /** One stored token, without its secret (which is not stored). */
    public record StoredToken(String sha256, Caller caller, Instant createdAt, Instant revokedAt) {}

    /** Every token ever created, oldest first. */
    public List<StoredToken> list() {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(LIST);
                ResultSet rs = st.executeQuery()) {
            List<StoredToken> tokens = new ArrayList<>();
            while (rs.next()) {
                OffsetDateTime revoked = rs.getObject(5, OffsetDateTime.class);
                tokens.add(new StoredToken(rs.getString(1), new Caller(rs.getString(2), rs.getString(3)),
                        rs.getObject(4, OffsetDateTime.class).toInstant(), revoked == null ? null : revoked.toInstant()));
            }
            return tokens;
        } catch (SQLException e) {
            throw new QueueDatabaseException("listing tokens", e);
        }
    }

    /** SHA-256 of the token's UTF-8 bytes, lower-case hex: the stored form. */
    public static String sha256(String token) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private int update(String sql, String value, String operation) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, value);
            return st.executeUpdate();
        } catch (SQLException e) {
            throw new QueueDatabaseException(operation, e);
        }
    }
}
