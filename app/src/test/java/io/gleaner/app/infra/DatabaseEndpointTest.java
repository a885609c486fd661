package io.gleaner.app.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatabaseEndpointTest {

    @Test
    void aNonPostgresUrlIsRefusedWithTheExpectedForm() {
        assertThatThrownBy(() -> new DatabaseEndpoint("jdbc:mysql://db/gleaner", "u", "p"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jdbc:mysql://db/gleaner")
                .hasMessageContaining("jdbc:postgresql://host:port/database");
    }

    @Test
    void missingCredentialsBecomeEmpty() {
        DatabaseEndpoint endpoint = new DatabaseEndpoint("jdbc:postgresql://localhost/gleaner", null, null);
        assertThat(endpoint.user()).isEmpty();
        assertThat(endpoint.password()).isEmpty();
    }
}
