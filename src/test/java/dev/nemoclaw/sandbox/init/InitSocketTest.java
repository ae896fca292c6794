package dev.nemoclaw.sandbox.init;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The init socket of backend docker: only the container's init may take the plan. */
class InitSocketTest {
  @TempDir Path dir;

  @Test
  void anotherProcessConnectingFirstFailsTheRunClosedAndTheSocketIsGone() throws Exception {
    Path path = dir.resolve("init.sock");
    long notUs = ProcessHandle.current().pid() + 1;
    try (InitSocket s = InitSocket.listen(path);
        SocketChannel intruder = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
      IOException e = assertThrows(IOException.class,
          () -> s.acceptFrom(notUs, Duration.ofSeconds(5), () -> false));
      assertTrue(e.getMessage().contains("reached by pid " + ProcessHandle.current().pid()),
          e.getMessage());
      assertFalse(Files.exists(path), "the socket must not take a second try");
      assertTrue(intruder.read(java.nio.ByteBuffer.allocate(1)) < 0, "the intruder got bytes");
    }
  }

  @Test
  void theExpectedProcessGetsTheConnectionAndNobodyElseCanConnectAfter() throws Exception {
    Path path = dir.resolve("init.sock");
    try (InitSocket s = InitSocket.listen(path);
        SocketChannel init = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
      int conn = s.acceptFrom(ProcessHandle.current().pid(), Duration.ofSeconds(5), () -> false);
      Fds.closeQuietly(conn);
      assertFalse(Files.exists(path));
      assertThrows(IOException.class,
          () -> SocketChannel.open(UnixDomainSocketAddress.of(path)).close());
    }
  }

  @Test
  void aContainerThatEndsBeforeConnectingIsReportedNotWaitedFor() throws Exception {
    try (InitSocket s = InitSocket.listen(dir.resolve("init.sock"))) {
      IOException e = assertThrows(IOException.class,
          () -> s.acceptFrom(1, Duration.ofSeconds(30), () -> true));
      assertTrue(e.getMessage().contains("ended before its init connected"), e.getMessage());
    }
  }
}
