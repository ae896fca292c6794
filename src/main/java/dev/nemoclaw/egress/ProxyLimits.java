package dev.nemoclaw.egress;

import java.time.Duration;

/**
 * The proxy's limits. Every one has an answer a client can read: 414/431 for an oversized request
 * line or header block, 503 when too many connections are open, 408 when a request's head (or a
 * body screening must hold) arrives too slowly, 408 (or a plain close) when a connection sits
 * idle, 504 when an origin does not accept the connection in time, 413 when a request body that
 * privacy screening must read is larger than it reads.
 *
 * <p>The idle timeout alone does not stop a client that drips a byte every few seconds: it is
 * never idle, and it would hold its connection (one of {@code maxConnections}) forever. So a
 * request's head has a deadline of its own, and so has a body collected for screening, which also
 * holds memory from the budget all connections share. The two are apart because a head is a few
 * hundred bytes and a collected body may be megabytes that the agent writes as it makes them.
 * Neither applies while the proxy itself is the one waiting (a decision held in the approval
 * inbox, a connect, a scan), nor to a body that streams to the origin, nor to a tunnel: those
 * hold nothing but their connection, and the idle timeout ends them when nothing moves.
 *
 * @param maxInitialLineLength longest request line, in bytes
 * @param maxHeaderSize        largest header block, in bytes
 * @param maxConnections       client connections open at once; the next one gets 503
 * @param idleTimeout          a client connection with no traffic either way for this long is closed
 * @param headerTimeout        once the first byte of a request arrives (on a new connection or a
 *                             kept one), its request line and headers must be complete within
 *                             this long, else 408 and the connection is closed; so must the
 *                             rest of a refused request's body, which the proxy reads (at most
 *                             64 KiB) only to keep the connection
 * @param bodyTimeout          a request body privacy screening (or MCP governance) collects must
 *                             be complete within this long of the proxy starting to read it
 *                             (once the request is allowed), else 408 and the connection is
 *                             closed
 * @param connectTimeout       how long an origin may take to accept a TCP connection (and, for an
 *                             inspected tunnel, to finish the TLS handshake)
 * @param maxScannedBody       largest request body privacy screening reads, in bytes; a larger one
 *                             is refused rather than sent unscanned (and 8 times this is what all
 *                             connections together may hold for screening: 503 past that)
 */
public record ProxyLimits(
    int maxInitialLineLength,
    int maxHeaderSize,
    int maxConnections,
    Duration idleTimeout,
    Duration headerTimeout,
    Duration bodyTimeout,
    Duration connectTimeout,
    int maxScannedBody) {

  public ProxyLimits {
    if (maxInitialLineLength < 256 || maxHeaderSize < 256) {
      throw new IllegalArgumentException("request line and header limits must be at least 256 bytes");
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1");
    }
    for (Duration d : new Duration[] {idleTimeout, headerTimeout, bodyTimeout, connectTimeout}) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("timeouts must be positive");
      }
    }
    if (maxScannedBody < 1) {
      throw new IllegalArgumentException("maxScannedBody must be at least 1 byte");
    }
  }

  /**
   * 8 KiB request line, 32 KiB of headers, 1024 connections, 5 min idle, 30 s for a request's
   * head, 60 s for a collected body, 10 s to connect, 8 MiB of request body scanned.
   */
  public static ProxyLimits defaults() {
    return new ProxyLimits(8192, 32768, 1024, Duration.ofMinutes(5), Duration.ofSeconds(30),
        Duration.ofSeconds(60), Duration.ofSeconds(10), 8 << 20);
  }

  public ProxyLimits withMaxConnections(int n) {
    return new ProxyLimits(maxInitialLineLength, maxHeaderSize, n, idleTimeout, headerTimeout,
        bodyTimeout, connectTimeout, maxScannedBody);
  }

  public ProxyLimits withIdleTimeout(Duration d) {
    return new ProxyLimits(maxInitialLineLength, maxHeaderSize, maxConnections, d, headerTimeout,
        bodyTimeout, connectTimeout, maxScannedBody);
  }

  public ProxyLimits withHeaderTimeout(Duration d) {
    return new ProxyLimits(maxInitialLineLength, maxHeaderSize, maxConnections, idleTimeout, d,
        bodyTimeout, connectTimeout, maxScannedBody);
  }

  public ProxyLimits withBodyTimeout(Duration d) {
    return new ProxyLimits(maxInitialLineLength, maxHeaderSize, maxConnections, idleTimeout,
        headerTimeout, d, connectTimeout, maxScannedBody);
  }

  public ProxyLimits withConnectTimeout(Duration d) {
    return new ProxyLimits(maxInitialLineLength, maxHeaderSize, maxConnections, idleTimeout,
        headerTimeout, bodyTimeout, d, maxScannedBody);
  }

  public ProxyLimits withHeaderLimits(int initialLine, int headers) {
    return new ProxyLimits(initialLine, headers, maxConnections, idleTimeout, headerTimeout,
        bodyTimeout, connectTimeout, maxScannedBody);
  }

  public ProxyLimits withMaxScannedBody(int bytes) {
    return new ProxyLimits(maxInitialLineLength, maxHeaderSize, maxConnections, idleTimeout,
        headerTimeout, bodyTimeout, connectTimeout, bytes);
  }
}
