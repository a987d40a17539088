package io.signalhub.protocol;

import java.security.SecureRandom;

/**
 * Peer ids and room names: 1 to 64 characters from {@code [A-Za-z0-9_-]}. They are checked before they
 * become part of an event-bus address ({@code peer.<id>}) or a cluster map key.
 */
public final class Ids {
  /** Longest id or room name, in characters. */
  public static final int MAX_LENGTH = 64;

  private static final char[] ALPHABET =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {
  }

  /** Whether {@code id} is a valid peer id or room name. */
  public static boolean isValid(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * Checks an id from a client.
   *
   * @param what what the id names, for the error message ({@code "peer id"}, {@code "room"})
   * @throws ProtocolException {@link ErrorCode#INVALID_ID} when invalid
   */
  public static String require(String id, String what) {
    if (!isValid(id)) {
      String shown = id == null ? "null" : id.length() > 80 ? id.substring(0, 80) + "..." : id;
      throw new ProtocolException(ErrorCode.INVALID_ID,
        what + " must be 1-" + MAX_LENGTH + " characters of A-Z a-z 0-9 _ -, got '" + printable(shown) + "'");
    }
    return id;
  }

  /** A fresh random peer id of 16 alphanumeric characters (about 95 bits). */
  public static String random() {
    char[] out = new char[16];
    for (int i = 0; i < out.length; i++) {
      out[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    return new String(out);
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return b.toString();
  }
}
