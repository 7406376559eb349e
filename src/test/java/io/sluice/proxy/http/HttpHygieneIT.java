package io.sluice.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.runtime.SluiceRuntime;
import io.sluice.testing.EchoHttpServer;
import io.sluice.testing.RawHttp;
import io.sluice.testing.RuntimeTest;
import io.sluice.testing.TestConfigs;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request smuggling and size limits, spoken as raw bytes to an {@code http} listener: each bad
 * request gets Sluice's own answer, its connection is closed, the server behind never sees it, and
 * the next client is served as if nothing happened. Slow heads and idle keep-alive connections are
 * closed on time.
 */
class HttpHygieneIT extends RuntimeTest {
  private static final int MAX_REQUEST_LINE = 256;
  private static final int MAX_HEADER_SIZE = 2048;
  private static final int MAX_HEADERS = 20;
  private static final Duration REQUEST_HEAD = Duration.ofMillis(500);
  private static final Duration KEEP_ALIVE = Duration.ofMillis(500);

  /** How late a timeout may close a connection on a loaded two-core machine. */
  private static final long LATE_MILLIS = 2_000;

  private static final String BAD_REQUEST = "HTTP/1.1 400 Bad Request";
  private static final String URI_TOO_LONG = "HTTP/1.1 414 Request-URI Too Long";
  private static final String HEADERS_TOO_LARGE = "HTTP/1.1 431 Request Header Fields Too Large";

  private EchoHttpServer backend;
  private InetSocketAddress front;

  /**
   * One malformed or oversized request and the status line it must get. A request whose head is
   * sound but whose body is not ({@code headIsSound}) may have its head relayed before the body is
   * read; the server must then never get it whole.
   */
  record Case(String name, String request, String statusLine, boolean headIsSound) {
    Case(String name, String request, String statusLine) {
      this(name, request, statusLine, false);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeEach
  void start() throws Exception {
    backend = keep(EchoHttpServer.start("a"));
    String http =
        ("{max_request_line: %d, max_header_size: %dB, max_headers: %d,"
                + " timeouts: {request_head: %dms, keep_alive: %dms}}")
            .formatted(
                MAX_REQUEST_LINE,
                MAX_HEADER_SIZE,
                MAX_HEADERS,
                REQUEST_HEAD.toMillis(),
                KEEP_ALIVE.toMillis());
    sluice =
        SluiceRuntime.start(
            TestConfigs.http().server(backend.address()).listener("http", http).build(), 2);
    front = (InetSocketAddress) sluice.boundAddresses("front").get(0);
  }

  static Stream<Case> badRequests() {
    return Stream.of(
        new Case(
            "Transfer-Encoding with Content-Length",
            "POST /smuggled HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            BAD_REQUEST),
        new Case(
            "two different Content-Length values",
            "POST /smuggled HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n"
                + "Content-Length: 5\r\n\r\nabcde",
            BAD_REQUEST),
        new Case(
            "two different Content-Length values in HTTP/1.0",
            "POST /smuggled HTTP/1.0\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde",
            BAD_REQUEST),
        new Case(
            "Transfer-Encoding with Content-Length in HTTP/1.0",
            "POST /smuggled HTTP/1.0\r\nContent-Length: 5\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            BAD_REQUEST),
        new Case(
            "Content-Length with a sign",
            "POST /smuggled HTTP/1.1\r\nHost: test\r\nContent-Length: +5\r\n\r\nabcde",
            BAD_REQUEST),
        new Case(
            "Content-Length as a list of different values",
            "POST /smuggled HTTP/1.1\r\nHost: test\r\nContent-Length: 1,2\r\n\r\nab",
            BAD_REQUEST),
        new Case(
            "chunk size that is not hex",
            "POST /smuggled HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "zz\r\nabc\r\n0\r\n\r\n",
            BAD_REQUEST,
            true),
        new Case(
            "chunk size past 2^31, which a 32-bit parser reads as 3",
            "POST /smuggled HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "100000003\r\nabc\r\n0\r\n\r\n",
            BAD_REQUEST,
            true),
        new Case(
            "chunk size of 17 hex digits",
            "POST /smuggled HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "10000000000000003\r\nabc\r\n0\r\n\r\n",
            BAD_REQUEST,
            true),
        new Case(
            "obsolete line folding",
            "GET /smuggled HTTP/1.1\r\nHost: test\r\nX-Folded: a\r\n  b\r\n\r\n",
            BAD_REQUEST),
        new Case(
            "bare LF ending every line", "GET /smuggled HTTP/1.1\nHost: test\n\n", BAD_REQUEST),
        new Case(
            "bare LF ending one header line",
            "GET /smuggled HTTP/1.1\r\nHost: test\nX-A: 1\r\n\r\n",
            BAD_REQUEST),
        new Case(
            "bare CR inside the head",
            "GET /smuggled HTTP/1.1\r\nHost: test\rX-A: 1\r\n\r\n",
            BAD_REQUEST),
        new Case(
            "Transfer-Encoding: chunked, identity",
            "POST /smuggled HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked, identity\r\n\r\n"
                + "0\r\n\r\n",
            BAD_REQUEST),
        new Case(
            "Transfer-Encoding: xchunked",
            "POST /smuggled HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: xchunked\r\n\r\n"
                + "0\r\n\r\n",
            BAD_REQUEST),
        new Case(
            "whitespace between a header name and its colon",
            "POST /smuggled HTTP/1.1\r\nHost: test\r\nTransfer-Encoding : chunked\r\n\r\n"
                + "0\r\n\r\n",
            BAD_REQUEST),
        new Case(
            "chunk data longer than its size",
            "POST /smuggled HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabcdef\r\n0\r\n\r\n",
            BAD_REQUEST,
            true),
        new Case(
            "chunk size with a 0x prefix",
            "POST /smuggled HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0x3\r\nabc\r\n0\r\n\r\n",
            BAD_REQUEST,
            true),
        new Case(
            "NUL in a header value",
            "GET /smuggled HTTP/1.1\r\nHost: test\r\nX-A: a\u0000b\r\n\r\n",
            BAD_REQUEST),
        new Case(
            "space inside a header name",
            "GET /smuggled HTTP/1.1\r\nHost: test\r\nX A: 1\r\n\r\n",
            BAD_REQUEST),
        new Case(
            "control bytes after a method (CONNECT once Netty trims them)",
            "CONNECT\u0001\u0000 /smuggled HTTP/1.1\r\nHost: test\r\n\r\n",
            BAD_REQUEST),
        new Case("HTTP/1.1 without Host", "GET /smuggled HTTP/1.1\r\n\r\n", BAD_REQUEST),
        new Case("HTTP/1.2 without Host", "GET /smuggled HTTP/1.2\r\n\r\n", BAD_REQUEST),
        new Case(
            "HTTP/1.1 in lower case without Host", "GET /smuggled http/1.1\r\n\r\n", BAD_REQUEST),
        new Case(
            // Netty reads the byte as one character and would write it on as two (UTF-8).
            "a byte past ASCII in the request target",
            "GET /smuggled/caf\u00e9 HTTP/1.1\r\nHost: test\r\n\r\n",
            BAD_REQUEST),
        new Case(
            "two Host headers",
            "GET /smuggled HTTP/1.1\r\nHost: test\r\nHost: other\r\n\r\n",
            BAD_REQUEST),
        new Case(
            "request line over max_request_line",
            "GET /smuggled/" + "a".repeat(MAX_REQUEST_LINE) + " HTTP/1.1\r\nHost: test\r\n\r\n",
            URI_TOO_LONG),
        new Case(
            "head over max_header_size",
            "GET /smuggled HTTP/1.1\r\nHost: test\r\nX-Big: "
                + "b".repeat(MAX_HEADER_SIZE)
                + "\r\n\r\n",
            HEADERS_TOO_LARGE),
        new Case(
            "more fields than max_headers",
            "GET /smuggled HTTP/1.1\r\nHost: test\r\n"
                + "X-Field: 1\r\n".repeat(MAX_HEADERS)
                + "\r\n",
            HEADERS_TOO_LARGE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void answersBadRequestClosesAndServesTheNextClient(Case bad) throws Exception {
    RawHttp.Response answer;
    try (Socket socket = RawHttp.connect(front)) {
      RawHttp.send(socket, bad.request());
      answer = RawHttp.readUntilClosed(socket);
    }

    assertThat(answer.statusLine()).isEqualTo(bad.statusLine());
    assertThat(answer.closed()).as("the connection is closed after the answer").isTrue();
    assertThat(answer.reset()).as("closed with a FIN (read returns -1), not a reset").isFalse();
    if (bad.headIsSound()) {
      assertThat(backend.wholeRequests("/smuggled")).isZero();
    } else {
      assertThat(backend.requests("/smuggled")).isZero();
    }
    assertNextClientIsServed();
  }

  @Test
  void closesAHeadSentSlowerThanRequestHeadTimeout() throws Exception {
    String head = "GET /slow HTTP/1.1\r\nHost: test\r\nX-Slow: " + "s".repeat(40) + "\r\n\r\n";
    try (Socket socket = RawHttp.connect(front)) {
      RawHttp.Trickle trickle = RawHttp.trickle(socket, head, Duration.ofMillis(100));
      long start = System.nanoTime();
      RawHttp.Response answer = RawHttp.readUntilClosed(socket);
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
      trickle.stop();

      assertThat(answer.closed()).isTrue();
      assertThat(answer.bytes()).as("nothing is answered to a slow head").isZero();
      assertThat(elapsedMillis)
          .isBetween(REQUEST_HEAD.toMillis() - 100, REQUEST_HEAD.toMillis() + LATE_MILLIS);
      assertThat(trickle.sent()).isLessThan(head.length());
    }
    assertThat(backend.requests("/slow")).isZero();
    assertNextClientIsServed();
  }

  @Test
  void closesAnIdleKeepAliveConnectionAfterKeepAliveTimeout() throws Exception {
    try (Socket socket = RawHttp.connect(front)) {
      RawHttp.send(socket, "GET /first HTTP/1.1\r\nHost: test\r\n\r\n");
      RawHttp.Response first = RawHttp.readOne(socket);
      long start = System.nanoTime();
      RawHttp.Response rest = RawHttp.readUntilClosed(socket);
      long idleMillis = (System.nanoTime() - start) / 1_000_000;

      assertThat(first.statusLine()).isEqualTo("HTTP/1.1 200 OK");
      assertThat(first.head()).doesNotContainIgnoringCase("connection: close");
      assertThat(rest.closed()).isTrue();
      assertThat(rest.bytes()).isZero();
      assertThat(idleMillis)
          .isBetween(KEEP_ALIVE.toMillis() - 100, KEEP_ALIVE.toMillis() + LATE_MILLIS);
    }
  }

  @Test
  void servesASecondRequestOnAKeepAliveConnectionBeforeTheTimeout() throws Exception {
    try (Socket socket = RawHttp.connect(front)) {
      RawHttp.send(socket, "GET /first HTTP/1.1\r\nHost: test\r\n\r\n");
      RawHttp.Response first = RawHttp.readOne(socket);
      Thread.sleep(KEEP_ALIVE.toMillis() / 3);
      RawHttp.send(socket, "GET /second HTTP/1.1\r\nHost: test\r\n\r\n");
      RawHttp.Response second = RawHttp.readOne(socket);

      assertThat(first.statusLine()).isEqualTo("HTTP/1.1 200 OK");
      assertThat(second.statusLine()).isEqualTo("HTTP/1.1 200 OK");
    }
    assertThat(backend.requests()).isEqualTo(2);
  }

  private void assertNextClientIsServed() throws Exception {
    try (Socket socket = RawHttp.connect(front)) {
      RawHttp.send(socket, "GET /next HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
      RawHttp.Response next = RawHttp.readUntilClosed(socket);
      assertThat(next.statusLine()).isEqualTo("HTTP/1.1 200 OK");
      assertThat(next.text()).contains("backend: a");
    }
    assertThat(backend.requests("/next")).isEqualTo(1);
  }
}
