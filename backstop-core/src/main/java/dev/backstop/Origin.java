package dev.backstop;

import java.util.Locale;
import java.util.Objects;

/**
 * The key of an HTTP origin, {@code scheme://host:port}: the operation Backstop's HTTP
 * integrations (JDK {@code HttpClient}, OkHttp, Apache HttpClient 5, Spring's clients) name a
 * request's breaker by when no other operation is given. An integration of another client calls
 * {@link #key} to name its breakers the same way. Thread-safe.
 */
public final class Origin {

  /*
   * The keys of the origins seen last sit in SLOTS slots chosen by a hash of scheme, host and
   * port, shared by the JVM, so that a request to a recent origin builds no string (a client
   * mostly calls a few). An origin is cached by its parts as the caller gives them, before they
   * are put in lower case; a new origin replaces the one in its slot, so a client calling many
   * origins builds keys as it would without the cache, and the memory stays bounded. The slots are
   * read and written without a lock: an Entry is immutable (its fields are final, so a thread that
   * sees it sees them), and a lost write only means building a key again.
   */

  private static final int SLOTS = 64;
  private static final Entry[] ENTRIES = new Entry[SLOTS];

  private Origin() {}

  /**
   * Returns the key of the origin {@code scheme://host:port}: the scheme and the host in lower
   * case, an IPv6 host in brackets, and a negative port replaced by the scheme's default (443 for
   * {@code https}, else 80). The key of a recently seen origin is returned again, not built anew,
   * so a known origin costs no allocation.
   *
   * @param scheme the scheme, in any case ({@code "http"}, {@code "HTTPS"})
   * @param host the host name or address, in any case, an IPv6 address with or without brackets
   * @param port the port, or a negative number for the scheme's default
   */
  public static String key(String scheme, String host, int port) {
    Objects.requireNonNull(scheme, "scheme");
    Objects.requireNonNull(host, "host");
    int hash = (scheme.hashCode() * 31 + host.hashCode()) * 31 + port;
    int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
    Entry e = ENTRIES[slot];
    if (e != null && e.port == port && e.host.equals(host) && e.scheme.equals(scheme)) {
      return e.key;
    }
    String key = build(scheme, host, port);
    ENTRIES[slot] = new Entry(scheme, host, port, key);
    return key;
  }

  private static String build(String scheme, String host, int port) {
    String s = scheme.toLowerCase(Locale.ROOT);
    String h = host.toLowerCase(Locale.ROOT);
    if (h.indexOf(':') >= 0 && !h.startsWith("[")) {
      h = "[" + h + "]";
    }
    int p = port >= 0 ? port : "https".equals(s) ? 443 : 80;
    return s + "://" + h + ":" + p;
  }

  /** An origin's parts, as a caller gave them, and its key. */
  private record Entry(String scheme, String host, int port, String key) {}
}
