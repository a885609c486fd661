package io.gleaner.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

class TokenCommandTest {
    private static Object parsed(String... args) {
        ParseResult result = new CommandLine(new GleanerCommand()).parseArgs(args);
        while (result.hasSubcommand()) {
            result = result.subcommand();
        }
        return result.commandSpec().userObject();
    }

    @Test
    void createTakesTheLabelerAndRoleAndDefaultsToLabeler() {
        var admin = (TokenCommand.Create) parsed("token", "create", "--labeler", "alice", "--role", "admin");
        var labeler = (TokenCommand.Create) parsed("token", "create", "--labeler", "bob");

        assertThat(admin.labelerId).isEqualTo("alice");
        assertThat(admin.role).isEqualTo("admin");
        assertThat(labeler.role).isEqualTo("labeler");
        assertThatThrownBy(() -> parsed("token", "create")).isInstanceOf(CommandLine.MissingParameterException.class);
    }

    @Test
    void revokeNeedsExactlyOneOfATokenHashOrALabeler() {
        var one = (TokenCommand.Revoke) parsed("token", "revoke", "--sha256", "ab12");
        var all = (TokenCommand.Revoke) parsed("token", "revoke", "--labeler", "alice");

        assertThat(one.target.sha256).isEqualTo("ab12");
        assertThat(all.target.labelerId).isEqualTo("alice");
        assertThatThrownBy(() -> parsed("token", "revoke")).isInstanceOf(CommandLine.ParameterException.class);
        assertThatThrownBy(() -> parsed("token", "revoke", "--sha256", "ab", "--labeler", "alice"))
                .isInstanceOf(CommandLine.ParameterException.class);
    }
}
