package io.sluice.config;

import java.util.Collection;
import java.util.Locale;

/**
 * Suggests the known word a misspelt one was meant to be. Two edits catch the usual slips (a
 * dropped or doubled letter, a swap, {@code maxConnections} for {@code max_connections}) without
 * suggesting unrelated words.
 */
final class DidYouMean {
  private static final int MAX_EDITS = 2;

  private DidYouMean() {}

  /** The closest candidate within two edits, the first listed on a tie; null if none is. */
  static String closest(String word, Collection<String> candidates) {
    String best = null;
    int bestDistance = MAX_EDITS + 1;
    for (String candidate : candidates) {
      int distance = distance(word.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return best;
  }

  /** Levenshtein distance: insertions, deletions and substitutions each count one. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
