package io.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of an admin listener's {@code /metrics}, in Prometheus's text format. */
public final class MetricsScrape {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String text;

  private MetricsScrape(String text) {
    this.text = text;
  }

  /** Scrapes {@code http://127.0.0.1:port/metrics}. */
  public static MetricsScrape of(int adminPort) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return new MetricsScrape(response.body());
  }

  /** The value of one series, written as it appears: {@code name{label="value",...}}. */
  public double value(String series) {
    Matcher matcher =
        Pattern.compile("^" + Pattern.quote(series) + " ([0-9.eE+-]+|NaN)$", Pattern.MULTILINE)
            .matcher(text);
    assertThat(matcher.find()).as("series %s in:%n%s", series, text).isTrue();
    return Double.parseDouble(matcher.group(1));
  }

  /** Whether any line starts with {@code prefix}. */
  public boolean has(String prefix) {
    return Pattern.compile("^" + Pattern.quote(prefix), Pattern.MULTILINE).matcher(text).find();
  }

  public String text() {
    return text;
  }
}
