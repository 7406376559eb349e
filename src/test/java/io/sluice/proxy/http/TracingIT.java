package io.sluice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.Curl;
import io.sluice.testing.EchoHttpServer;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Spans of slow and failed requests, received by the test's own OTLP/HTTP endpoint (a real HTTP
 * server on loopback) and decoded from OTLP's JSON encoding.
 */
class TracingIT extends RuntimeTest {
  private final List<JsonNode> received = new CopyOnWriteArrayList<>();

  private String collector() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext(
        "/v1/traces",
        exchange -> {
          received.add(new ObjectMapper().readTree(exchange.getRequestBody()));
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
    keep(() -> server.stop(0));
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
  }

  private List<JsonNode> spans() {
    List<JsonNode> spans = new java.util.ArrayList<>();
    for (JsonNode request : received) {
      request
          .path("resourceSpans")
          .forEach(r -> r.path("scopeSpans").forEach(s -> s.path("spans").forEach(spans::add)));
    }
    return spans;
  }

  private static String attribute(JsonNode span, String key) {
    for (JsonNode attribute : span.path("attributes")) {
      if (attribute.path("key").asText().equals(key)) {
        return attribute.path("value").path("stringValue").asText();
      }
    }
    return null;
  }

  @Test
  void slowAndFailedRequestsAreExportedInTheClientsTraceAndFastOnesAreNot() throws Exception {
    EchoHttpServer backend = keep(EchoHttpServer.start("a"));
    String endpoint = collector();
    sluice =
        SluiceRuntime.start(
            TestConfigs.http()
                .server(backend.address())
                .top("tracing", "{otlp_endpoint: \"" + endpoint + "\", slower_than: 200ms}")
                .build(),
            2);
    String url = "http://" + sluice.boundAddressTexts("front").get(0);
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    String clientSpan = "00f067aa0ba902b7";

    Curl.Result slow =
        Curl.run(
            "-H", "traceparent: 00-" + trace + "-" + clientSpan + "-01", url + "/slow?sleep=400");
    Curl.run(url + "/fast");
    Curl.run(url + "/broken?status=503");

    Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> spans().size() >= 2);
    Thread.sleep(1500);
    List<JsonNode> spans = spans();
    assertThat(spans).hasSize(2);
    JsonNode slowSpan =
        spans.stream().filter(s -> s.path("name").asText().equals("GET /slow")).findFirst().get();
    JsonNode broken =
        spans.stream().filter(s -> s.path("name").asText().equals("GET /broken")).findFirst().get();
    // Sluice's span sits between the client's and the server's: same trace, the client's span as
    // parent, and the server told of Sluice's span.
    assertThat(slowSpan.path("traceId").asText()).isEqualTo(trace);
    assertThat(slowSpan.path("parentSpanId").asText()).isEqualTo(clientSpan);
    assertThat(slow.out())
        .contains("traceparent: 00-" + trace + "-" + slowSpan.path("spanId").asText() + "-01");
    assertThat(slowSpan.path("kind").asInt()).isEqualTo(2);
    assertThat(
            Long.parseLong(slowSpan.path("endTimeUnixNano").asText())
                - Long.parseLong(slowSpan.path("startTimeUnixNano").asText()))
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(400));
    assertThat(slowSpan.path("events").findValuesAsText("name"))
        .containsExactly("server connected", "response head");
    assertThat(attribute(slowSpan, "http.response.status_code")).isEqualTo("200");
    assertThat(attribute(slowSpan, "sluice.server")).isEqualTo(backend.address());
    assertThat(slowSpan.path("status").path("code").asInt()).isZero();
    assertThat(broken.path("status").path("code").asInt()).isEqualTo(2);
    assertThat(broken.has("parentSpanId")).isFalse();
    assertThat(received.get(0).findValuesAsText("stringValue")).contains("sluice");
  }
}
