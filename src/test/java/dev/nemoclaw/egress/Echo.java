package dev.nemoclaw.egress;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A TCP echo server on loopback, one virtual thread per connection. */
final class Echo implements AutoCloseable {
  final ServerSocket server;

  private Echo(ServerSocket server) {
    this.server = server;
    Thread.ofVirtual().start(this::acceptLoop);
  }

  static Echo start() throws IOException {
    return new Echo(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
  }

  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread.ofVirtual().start(() -> {
          try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            in.transferTo(out);
          } catch (IOException ignored) {
            // the test is over
          }
        });
      } catch (IOException e) {
        return;
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
