package dev.nemoclaw.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** Parses a stored record's event object (after its frame and HMAC were verified). */
final class Records {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Records() {}

  static ObjectNode event(byte[] buf, int from, int to) throws IOException {
    JsonNode line = JSON.readTree(buf, from, to - from);
    if (!(line.get("event") instanceof ObjectNode o)) {
      throw new IOException("record has no event object");
    }
    return o;
  }
}
