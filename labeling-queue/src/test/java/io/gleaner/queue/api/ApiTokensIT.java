package io.gleaner.queue.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.schema.EmbeddedPostgresExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedPostgresExtension.class)
class ApiTokensIT {
    private DataSource dataSource;
    private ApiTokens tokens;

    @BeforeEach
    void setUp(DataSource dataSource) {
        this.dataSource = dataSource;
        this.tokens = new ApiTokens(dataSource);
    }

    @Test
    void aCreatedTokenAuthenticatesItsLabelerAndOnlyItsHashIsStored() throws SQLException {
        IssuedToken issued = tokens.create("alice", "admin");

        assertThat(issued.token()).startsWith(ApiTokens.PREFIX).hasSize(ApiTokens.PREFIX.length() + 43);
        assertThat(issued.sha256()).isEqualTo(ApiTokens.sha256(issued.token())).matches("[0-9a-f]{64}");
        assertThat(tokens.authenticate(issued.token())).contains(new Caller("alice", "admin"));
        assertThat(storedColumns()).isEqualTo(issued.sha256() + " alice")
                .doesNotContain(issued.token().substring(ApiTokens.PREFIX.length()));
        assertThat(issued.toString()).doesNotContain(issued.token());
    }

    @Test
    void unknownMalformedAndRevokedTokensDoNotAuthenticate() {
        IssuedToken one = tokens.create("alice", "labeler");
        IssuedToken two = tokens.create("alice", "labeler");
        IssuedToken bobs = tokens.create("bob", "labeler");

        assertThat(tokens.authenticate("glq_not-a-token")).isEmpty();
        assertThat(tokens.authenticate("")).isEmpty();
        assertThat(tokens.authenticate("x".repeat(10_000))).isEmpty();
        assertThat(tokens.revokeBySha256(one.sha256().toUpperCase())).isTrue();
        assertThat(tokens.revokeBySha256(one.sha256())).as("already revoked").isFalse();
        assertThat(tokens.authenticate(one.token())).isEmpty();
        assertThat(tokens.authenticate(two.token())).isPresent();

        assertThat(tokens.revokeAll("alice")).isEqualTo(1);
        assertThat(tokens.authenticate(two.token())).isEmpty();
        assertThat(tokens.authenticate(bobs.token())).isPresent();
        assertThat(tokens.list()).hasSize(3).filteredOn(t -> t.revokedAt() != null).hasSize(2);
    }

    @Test
    void aNewRoleAppliesToAllOfTheLabelersTokens() {
        IssuedToken first = tokens.create("carol", "labeler");
        tokens.create("carol", "admin");

        assertThat(tokens.authenticate(first.token())).map(Caller::isAdmin).contains(true);
    }

    private String storedColumns() throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement st = c.prepareStatement("SELECT token_sha256 || ' ' || labeler_id FROM api_tokens");
                ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }
}
