package io.gleaner.queue.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import io.gleaner.schema.EmbeddedPostgresExtension;
import java.nio.charset.StandardCharsets;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The dashboard's static files: content types, the CSP, no way out of the dashboard folder, and the API still locked. */
@ExtendWith(EmbeddedPostgresExtension.class)
class DashboardFilesIT {
    private final HttpClient client = HttpClient.newHttpClient();
    private QueueApiServer server;

    @BeforeEach
    void setUp(DataSource dataSource) throws IOException {
        server = QueueApiServer.start(dataSource, ServeConfig.defaults().withPort(0));
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    @Test
    void rootRedirectsToTheDashboard() throws Exception {
        HttpResponse<String> root = get("/");
        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(root.headers().firstValue("Location")).contains("/ui/");
    }

    @Test
    void filesComeWithTheirContentTypeACspAndNoToken() throws Exception {
        HttpResponse<String> index = get("/ui/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
        assertThat(index.body()).contains("<script src=\"app.js\" defer></script>").doesNotContain("<script>");
        assertThat(index.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
                .contains("default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval"));
        assertThat(index.headers().firstValue("X-Content-Type-Options")).contains("nosniff");

        assertThat(get("/ui/index.html").body()).isEqualTo(index.body());
        assertThat(get("/ui/app.js").headers().firstValue("Content-Type")).contains("text/javascript; charset=utf-8");
        assertThat(get("/ui/app.css").headers().firstValue("Content-Type")).contains("text/css; charset=utf-8");
        assertThat(get("/ui/app.js").body()).contains("sessionStorage").doesNotContain("document.cookie");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/ui/../api/v1/stats", "/ui/..%2f..%2fpom.xml", "/ui/%2e%2e/%2e%2e/io/gleaner/queue/api/QueueApiServer.class",
        "/ui/../../../../etc/passwd", "/ui/..\\..\\etc\\passwd", "/ui/QueueApiServer.class",
        "/ui/dashboard/app.js", "/ui/.app.js", "/ui/app.js%00.css", "/ui/APP.JS", "/ui//etc/passwd",
        "/ui/simplelogger.properties", "/ui/missing.html"})
    void nothingOutsideTheDashboardFolderIsServed(String path) throws Exception {
        Reply response = rawGet(path);
        // The JDK's server itself answers 400 to a path it cannot parse as a URI (the backslashes).
        assertThat(response.statusCode()).as(path).isIn(400, 404);
        assertThat(response.body()).as(path).doesNotContain("root:", "package ", "'use strict'");
        if (response.statusCode() == 404) {
            assertThat(response.body()).as(path).contains("\"error\":\"not_found\"");
        }
    }

    @Test
    void theApiStillNeedsAToken() throws Exception {
        assertThat(get("/api/v1/stats").statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/models").statusCode()).isEqualTo(401);
        assertThat(client.send(HttpRequest.newBuilder(uri("/ui/app.js")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends the path exactly as given, as an attacker would: HttpClient would normalise or escape it. */
    private Reply rawGet(String path) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(reply.substring(9, 12));
            String body = reply.substring(reply.indexOf("\r\n\r\n") + 4);
            return new Reply(status, body);
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    /** Status and body of a response read off a socket. */
    private record Reply(int statusCode, String body) {}
}
