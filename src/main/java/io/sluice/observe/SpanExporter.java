package io.sluice.observe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends spans to an OpenTelemetry collector over OTLP/HTTP in its JSON encoding, in batches, from a
 * thread of its own. Event loops only offer spans to a bounded queue; when it is full, or the
 * collector is slow or away, spans are dropped and counted, never waited for.
 */
public final class SpanExporter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SpanExporter.class);

  /** Spans per request to the collector; a burst of slow requests goes out in a few posts. */
  private static final int BATCH = 256;

  private static final long LINGER_MILLIS = 1000;
  private static final Duration POST_TIMEOUT = Duration.ofSeconds(5);

  private final URI endpoint;
  private final String serviceName;
  private final long slowerThanNanos;
  private final BlockingQueue<Span> queue;
  private final HttpClient client;
  private final ObjectMapper json = new ObjectMapper();
  private final Thread thread;
  private final LongAdder exported = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private volatile boolean closed;
  private boolean failing;

  private SpanExporter(URI endpoint, String serviceName, Duration slowerThan, int queue) {
    this.endpoint = endpoint;
    this.serviceName = serviceName;
    this.slowerThanNanos = slowerThan.toNanos();
    this.queue = new ArrayBlockingQueue<>(queue);
    this.client = HttpClient.newBuilder().connectTimeout(POST_TIMEOUT).build();
    this.thread = new Thread(this::run, "sluice-spans");
    thread.setDaemon(true);
  }

  /** Starts the exporter thread. */
  public static SpanExporter start(
      URI endpoint, String serviceName, Duration slowerThan, int queue) {
    SpanExporter exporter = new SpanExporter(endpoint, serviceName, slowerThan, queue);
    exporter.thread.start();
    return exporter;
  }

  /** Whether a request of this length and outcome is exported. */
  public boolean wanted(long durationNanos, boolean error) {
    return error || durationNanos >= slowerThanNanos;
  }

  /** Queues {@code span}; never blocks. */
  public void export(Span span) {
    if (closed || !queue.offer(span)) {
      dropped.increment();
    }
  }

  /** Spans the collector accepted. */
  public long exported() {
    return exported.sum();
  }

  /** Spans dropped: the queue was full, or the collector refused or did not answer. */
  public long dropped() {
    return dropped.sum();
  }

  private void run() {
    List<Span> batch = new ArrayList<>(BATCH);
    while (!closed || !queue.isEmpty()) {
      try {
        Span first = queue.poll(LINGER_MILLIS, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, BATCH - 1);
        post(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        batch.clear();
      }
    }
  }

  private void post(List<Span> batch) throws InterruptedException {
    try {
      HttpRequest request =
          HttpRequest.newBuilder(endpoint)
              .timeout(POST_TIMEOUT)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(encode(batch))))
              .build();
      HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
      if (response.statusCode() / 100 == 2) {
        exported.add(batch.size());
        if (failing) {
          failing = false;
          log.info("spans: the collector at {} accepts spans again", endpoint);
        }
        return;
      }
      failed(batch, "HTTP " + response.statusCode());
    } catch (IOException e) {
      failed(batch, e.toString());
    }
  }

  private void failed(List<Span> batch, String why) {
    dropped.add(batch.size());
    if (!failing) {
      failing = true;
      log.warn(
          "spans: the collector at {} refused {} spans ({}); dropping until it answers",
          endpoint,
          batch.size(),
          why);
    }
  }

  /** The batch as an OTLP {@code ExportTraceServiceRequest}, protobuf's JSON mapping. */
  ObjectNode encode(List<Span> batch) {
    ObjectNode root = json.createObjectNode();
    ObjectNode resourceSpans = root.putArray("resourceSpans").addObject();
    attributes(resourceSpans.putObject("resource"), Map.of("service.name", serviceName));
    ObjectNode scopeSpans = resourceSpans.putArray("scopeSpans").addObject();
    scopeSpans.putObject("scope").put("name", "sluice");
    ArrayNode spans = scopeSpans.putArray("spans");
    for (Span span : batch) {
      ObjectNode node = spans.addObject();
      node.put("traceId", span.traceId());
      node.put("spanId", span.spanId());
      if (span.parentSpanId() != null) {
        node.put("parentSpanId", span.parentSpanId());
      }
      node.put("name", span.name());
      node.put("kind", 2); // SPAN_KIND_SERVER
      node.put("startTimeUnixNano", Long.toString(span.startEpochNanos()));
      node.put("endTimeUnixNano", Long.toString(span.endEpochNanos()));
      attributes(node, span.attributes());
      ArrayNode events = node.putArray("events");
      for (Span.Event event : span.events()) {
        events
            .addObject()
            .put("timeUnixNano", Long.toString(event.epochNanos()))
            .put("name", event.name());
      }
      node.putObject("status").put("code", span.error() ? 2 : 0);
    }
    return root;
  }

  private static void attributes(ObjectNode node, Map<String, String> attributes) {
    ArrayNode list = node.putArray("attributes");
    attributes.forEach(
        (key, value) ->
            list.addObject().put("key", key).putObject("value").put("stringValue", value));
  }

  /** Sends what is queued, within a couple of seconds, then stops. */
  @Override
  public void close() {
    closed = true;
    try {
      thread.join(TimeUnit.SECONDS.toMillis(3));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread.interrupt();
  }
}
