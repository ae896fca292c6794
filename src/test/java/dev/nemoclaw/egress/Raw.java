package dev.nemoclaw.egress;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** A raw TCP client for what HttpClient will not send: malformed, pipelined, hand-made input. */
final class Raw implements AutoCloseable {
  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  final Socket socket;
  final InputStream in;
  final OutputStream out;

  Raw(InetSocketAddress proxy) throws IOException {
    this(connect(proxy));
  }

  /** Over a socket connected some other way (one the proxy adopted). */
  static Raw over(Socket s) throws IOException {
    return new Raw(s);
  }

  private Raw(Socket s) throws IOException {
    socket = s;
    socket.setSoTimeout(10_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  private static Socket connect(InetSocketAddress proxy) throws IOException {
    Socket s = new Socket();
    s.connect(proxy, 2000);
    return s;
  }

  /** Sends CONNECT host:port and reads the proxy's answer (status line and headers). */
  int connect(String authority) throws IOException {
    send("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n");
    String status = line();
    while (!line().isEmpty()) {
      // headers
    }
    return Integer.parseInt(status.split(" ")[1]);
  }

  /** TLS over this connection (after a CONNECT): a client for {@code host}, handshake done. */
  Raw tls(SSLContext ctx, String host) throws IOException {
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(socket, host,
        socket.getPort(), true);
    SSLParameters p = s.getSSLParameters();
    p.setEndpointIdentificationAlgorithm("HTTPS");
    p.setApplicationProtocols(new String[] {"h2", "http/1.1"});
    s.setSSLParameters(p);
    s.startHandshake();
    return new Raw(s);
  }

  Raw send(String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  /** Reads one response: headers, then a Content-Length or chunked body. */
  Response read() throws IOException {
    String statusLine = line();
    if (statusLine == null) {
      throw new IOException("connection closed before a response");
    }
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String l; (l = line()) != null && !l.isEmpty(); ) {
      int c = l.indexOf(':');
      headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (headers.containsKey("content-length")) {
      body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      for (; ; ) {
        int n = Integer.parseInt(line().split(";")[0].trim(), 16);
        if (n == 0) {
          line();
          break;
        }
        body.write(in.readNBytes(n));
        line();
      }
    }
    return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
  }

  String line() throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int c; (c = in.read()) != -1; ) {
      if (c == '\n') {
        int n = sb.length();
        return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
      }
      sb.append((char) c);
    }
    return sb.isEmpty() ? null : sb.toString();
  }

  /** True when the proxy closed the connection (EOF, or reset) within the socket timeout. */
  boolean closedByPeer() {
    try {
      return in.read() == -1;
    } catch (IOException e) {
      return !(e instanceof java.net.SocketTimeoutException);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
