package io.sluice.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which context serves which SNI name: an exact name first, then {@code *.parent} for a name one
 * label below {@code parent}, else the default (the first certificate), also for clients that send
 * no SNI. Each step is one hash lookup. Where two certificates claim a name, the first listed keeps
 * it, so the order of the file decides, as it does in nginx.
 *
 * <p>Immutable: built on the control thread, read by event loops through a volatile reference.
 */
final class SniTable implements Mapping<String, SslContext> {
  private final Map<String, SslContext> exact = new HashMap<>();
  private final Map<String, SslContext> wildcardParents = new HashMap<>();
  private final SslContext fallback;

  /**
   * @param names for each context, in listener order, the names it serves (lower case)
   */
  SniTable(List<SslContext> contexts, List<List<String>> names) {
    this.fallback = contexts.get(0);
    for (int i = 0; i < contexts.size(); i++) {
      for (String name : names.get(i)) {
        if (name.startsWith("*.")) {
          wildcardParents.putIfAbsent(name.substring(2), contexts.get(i));
        } else {
          exact.putIfAbsent(name, contexts.get(i));
        }
      }
    }
  }

  /** Netty's SNI handler lower-cases the name before it asks. */
  @Override
  public SslContext map(String hostname) {
    if (hostname == null) {
      return fallback;
    }
    SslContext context = exact.get(hostname);
    if (context != null) {
      return context;
    }
    int dot = hostname.indexOf('.');
    if (dot > 0) {
      context = wildcardParents.get(hostname.substring(dot + 1));
      if (context != null) {
        return context;
      }
    }
    return fallback;
  }

  /** Names as the table keys them. */
  static String normalize(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}
