package io.sluice.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads Sluice's {@code /metrics} from its admin address, as Prometheus would. */
public final class Metrics {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String scrape;

  private Metrics(String scrape) {
    this.scrape = scrape;
  }

  /** Scrapes {@code http://ADMIN/metrics}. */
  public static Metrics scrape(String admin) throws IOException, InterruptedException {
    HttpResponse<String> response =
        CLIENT.send(
            HttpRequest.newBuilder(URI.create("http://" + admin + "/metrics"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new Metrics(response.body());
  }

  /** The value of {@code series} (name and labels as written), or NaN when absent. */
  public double value(String series) {
    Matcher matcher =
        Pattern.compile("^" + Pattern.quote(series) + " ([0-9.eE+-]+)$", Pattern.MULTILINE)
            .matcher(scrape);
    return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
  }

  public String text() {
    return scrape;
  }
}
