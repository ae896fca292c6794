package dev.nemoclaw.egress;

import java.time.Duration;

/**
 * The proxy's limits. Every one has an answer a client can read: 414/431 for an oversized request
 * line or header block, 503 when too many connections are open, 408 (or a plain close) when a
 * connection sits idle, 504 when an origin does not accept the connection in time, 413 when a
 * request body that privacy screening must read is larger than it reads.
 *
 * @param maxInitialLineLength longest request line, in bytes
 * @param maxHeaderSize        largest header block, in bytes
 * @param maxConnections       client connections open at once; the next one gets 503
 * @param idleTimeout          a client connection with no traffic either way for this long is closed
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
    Duration connectTimeout,
    int maxScannedBody) {

  public ProxyLimits {
    if (maxInitialLineLength < 256 || maxHeaderSize < 256) {
      throw new IllegalArgumentException("request line and header limits must be at least 256 bytes");
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1");
    }
    if (idleTimeout.isNegative() || idleTimeout.isZero() || connectTimeout.isNegative()
        || connectTimeout.isZero()) {
      throw new IllegalArgumentException("timeouts must be positive");
    }
    if (maxScannedBody < 1) {
      throw new IllegalArgumentException("maxScannedBody must be at least 1 byte");
    }
  }

  /**
   * 8 KiB request line, 32 KiB of headers, 1024 connections, 5 min idle, 10 s to connect, 8 MiB
   * of request body scanned.
   */
  public static ProxyLimits defaults() {
    return new ProxyLimits(8192, 32768, 1024, Duration.ofMinutes(5), Duration.ofSeconds(10),
        8 << 20);
  }

  public ProxyLimits withMaxConnections(int n) {
    return new ProxyLimits(maxInitialLineLength, maxHeaderSize, n, idleTimeout, connectTimeout,
        maxScannedBody);
  }

  public ProxyLimits withIdleTimeout(Duration d) {
    return new ProxyLimits(maxInitialLineLength, maxHeaderSize, maxConnections, d, connectTimeout,
        maxScannedBody);
  }

  public ProxyLimits withConnectTimeout(Duration d) {
    return new ProxyLimits(maxInitialLineLength, maxHeaderSize, maxConnections, idleTimeout, d,
        maxScannedBody);
  }

  public ProxyLimits withHeaderLimits(int initialLine, int headers) {
    return new ProxyLimits(initialLine, headers, maxConnections, idleTimeout, connectTimeout,
        maxScannedBody);
  }

  public ProxyLimits withMaxScannedBody(int bytes) {
    return new ProxyLimits(maxInitialLineLength, maxHeaderSize, maxConnections, idleTimeout,
        connectTimeout, bytes);
  }
}
