package io.sluice.config;

/**
 * The admin listener: the live view as JSON, Prometheus metrics, server control, health probes.
 *
 * @param bind its address; loopback unless a token is set
 * @param token a bearer token every request must carry ({@code Authorization: Bearer ...});
 *     required when {@code bind} is not a loopback address
 */
public record AdminConfig(String bind, String token) {
  /** Never the token: a record prints every field, and configurations end up in logs. */
  @Override
  public String toString() {
    return "AdminConfig[bind="
        + bind
        + ", token="
        + (token == null ? "none" : "(set, not shown)")
        + "]";
  }
}
