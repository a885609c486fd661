package io.gleaner.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.gleaner.app.infra.DatabaseEndpoint;
import io.gleaner.app.infra.EmbeddedDatabase;
import io.gleaner.queue.api.ApiTokens;
import io.gleaner.schema.Migrations;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gleaner token} against a real PostgreSQL: the token is printed once and only its hash is kept. */
class TokenCommandIT {
    private static final Pattern TOKEN = Pattern.compile("(glq_[A-Za-z0-9_-]{43})");

    @TempDir static Path dataDir;
    private static EmbeddedDatabase database;
    private static DatabaseEndpoint endpoint;

    @BeforeAll
    static void start() {
        database = EmbeddedDatabase.start(dataDir);
        endpoint = database.endpoint();
        Migrations.migrate(endpoint.dataSource());
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @Test
    void createPrintsAWorkingTokenOnceListShowsOnlyHashesAndRevokeEndsIt() {
        String created = run("token", "create", "--labeler", "alice", "--role", "admin");
        Matcher token = TOKEN.matcher(created);
        assertThat(token.find()).as(created).isTrue();
        String secret = token.group(1);
        String sha256 = ApiTokens.sha256(secret);
        ApiTokens tokens = new ApiTokens(endpoint.dataSource());
        assertThat(created).contains(sha256);
        assertThat(tokens.authenticate(secret)).map(caller -> caller.role()).contains("admin");

        String listed = run("token", "list");
        assertThat(listed).contains(sha256, "alice", "admin").doesNotContain(secret);

        String revoked = run("token", "revoke", "--sha256", sha256);
        assertThat(revoked).contains("revoked token " + sha256);
        assertThat(tokens.authenticate(secret)).isEmpty();
        assertThat(run("token", "list")).contains("revoked");
    }

    /** Runs the CLI against the embedded database and returns what it printed. */
    private static String run(String... args) {
        String[] withDb = new String[args.length + 4];
        System.arraycopy(args, 0, withDb, 0, args.length);
        withDb[args.length] = "--db-url";
        withDb[args.length + 1] = endpoint.jdbcUrl();
        withDb[args.length + 2] = "--db-user";
        withDb[args.length + 3] = endpoint.user();
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int exit = new CommandLine(new GleanerCommand()).execute(withDb);
            assertThat(exit).as(captured.toString(StandardCharsets.UTF_8)).isZero();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
