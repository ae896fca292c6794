package dev.nemoclaw.egress;

import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;

/**
 * Netty would pick up the SLF4J API that docker-java brings, with no binding: a warning on every
 * run. The JDK's logging is enough for what Netty has to say. Every class of this package that
 * can be the first to touch Netty calls {@link #init} from its static initializer.
 */
final class NettyLogging {
  static {
    InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
  }

  private NettyLogging() {}

  /** Does nothing but make sure the static initializer above has run. */
  static void init() {}
}
