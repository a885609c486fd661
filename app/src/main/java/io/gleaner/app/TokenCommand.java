package io.gleaner.app;

import io.gleaner.queue.api.ApiTokens;
import io.gleaner.queue.api.IssuedToken;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gleaner token}: API tokens for {@code gleaner serve}. A token is printed once, when it is
 * created, and stored only as its SHA-256; it is never logged.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Create, list and revoke API tokens (stored as SHA-256 only).",
        subcommands = {TokenCommand.Create.class, TokenCommand.Revoke.class, TokenCommand.ListTokens.class})
final class TokenCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a token command: create, revoke or list");
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Register a labeler with a role and print a new token for it (shown only this once).")
    static final class Create implements Callable<Integer> {
        @Mixin ConnectionOptions connection;

        @Option(names = "--labeler", required = true, paramLabel = "ID", description = "Labeler id, e.g. alice.")
        String labelerId;

        @Option(names = "--role", defaultValue = "labeler", paramLabel = "labeler|admin",
                description = "labeler: claims and labels; admin: also exports, re-prioritises, purges"
                        + " (default ${DEFAULT-VALUE}). Sets the role of all the labeler's tokens.")
        String role;

        @Override
        public Integer call() {
            IssuedToken issued = new ApiTokens(connection.database().dataSource()).create(labelerId, role);
            System.out.printf("token for %s (%s), shown only now; keep it secret:%n%s%n", labelerId, role, issued.token());
            System.out.printf("stored as sha256 %s (gleaner token revoke --sha256 %s)%n", issued.sha256(), issued.sha256());
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke one token by its SHA-256, or every token of a labeler.")
    static final class Revoke implements Callable<Integer> {
        @Mixin ConnectionOptions connection;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        static final class Target {
            @Option(names = "--sha256", paramLabel = "HEX", description = "The token's SHA-256, as create and list print it.")
            String sha256;

            @Option(names = "--labeler", paramLabel = "ID", description = "Revoke every live token of this labeler.")
            String labelerId;
        }

        @Override
        public Integer call() {
            ApiTokens tokens = new ApiTokens(connection.database().dataSource());
            if (target.sha256 != null) {
                boolean revoked = tokens.revokeBySha256(target.sha256);
                System.out.println(revoked ? "revoked token " + target.sha256
                        : "no live token has sha256 " + target.sha256 + " (see gleaner token list)");
                return revoked ? 0 : 1;
            }
            int revoked = tokens.revokeAll(target.labelerId);
            System.out.printf("revoked %d token(s) of labeler %s%n", revoked, target.labelerId);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (hashes only, never secrets).")
    static final class ListTokens implements Callable<Integer> {
        @Mixin ConnectionOptions connection;

        @Override
        public Integer call() {
            for (ApiTokens.StoredToken token : new ApiTokens(connection.database().dataSource()).list()) {
                System.out.printf("%s  %-20s %-8s created %s%s%n", token.sha256(), token.caller().labelerId(),
                        token.caller().role(), token.createdAt(),
                        token.revokedAt() == null ? "" : ", revoked " + token.revokedAt());
            }
            return 0;
        }
    }
}
