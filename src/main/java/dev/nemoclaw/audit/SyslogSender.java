package dev.nemoclaw.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Sends exported records to a syslog receiver as RFC 5424 messages ({@link Syslog}): over UDP
 * one message per datagram (RFC 5426), cut to the configured maximum; over TCP, or TLS with the
 * JDK's default trust store and host name check (RFC 5425), with octet-counting framing
 * ({@code LEN SP MSG}, RFC 6587 §3.4.1), so messages may hold any byte, newlines included.
 * A TCP connection that breaks is an error, not retried: the caller reports how far it got.
 */
public final class SyslogSender implements Export.Destination, AutoCloseable {
  private static final int CONNECT_TIMEOUT_MS = 10_000;

  private final Syslog.Target target;
  private final Syslog.Facility facility;
  private final String hostname;
  private final String sandbox;
  private final int udpMax;
  private final DatagramSocket udp;
  private final InetSocketAddress udpTo;
  private final Socket tcp;
  private final OutputStream tcpOut;
  private final AtomicLong sent = new AtomicLong();

  private SyslogSender(Syslog.Target target, Syslog.Facility facility, String hostname,
      String sandbox, int udpMax, DatagramSocket udp, InetSocketAddress udpTo, Socket tcp)
      throws IOException {
    this.target = target;
    this.facility = facility;
    this.hostname = hostname;
    this.sandbox = sandbox;
    this.udpMax = udpMax;
    this.udp = udp;
    this.udpTo = udpTo;
    this.tcp = tcp;
    this.tcpOut = tcp == null ? null : new BufferedOutputStream(tcp.getOutputStream(), 1 << 16);
  }

  /**
   * Resolves the target and, for TCP and TLS, connects (and shakes hands): a receiver that is
   * not there fails here, before anything is read. {@code udpMax} bounds a datagram in bytes.
   */
  public static SyslogSender open(Syslog.Target target, Syslog.Facility facility, String hostname,
      String sandbox, int udpMax) throws IOException {
    return open(target, facility, hostname, sandbox, udpMax,
        (SSLSocketFactory) SSLSocketFactory.getDefault());
  }

  /** As above, with TLS from {@code tls} (tests bring their own trust). */
  static SyslogSender open(Syslog.Target target, Syslog.Facility facility, String hostname,
      String sandbox, int udpMax, SSLSocketFactory tls) throws IOException {
    if (udpMax < Syslog.MIN_UDP_MAX || udpMax > Syslog.MAX_UDP_MAX) {
      throw new IllegalArgumentException("the UDP message size must be " + Syslog.MIN_UDP_MAX
          + ".." + Syslog.MAX_UDP_MAX + " bytes, not " + udpMax);
    }
    InetAddress addr;
    try {
      addr = InetAddress.getByName(target.host());
    } catch (UnknownHostException e) {
      throw new IOException("cannot resolve " + target.host() + " (" + target + ")");
    }
    InetSocketAddress to = new InetSocketAddress(addr, target.port());
    if (target.transport() == Syslog.Transport.UDP) {
      return new SyslogSender(target, facility, hostname, sandbox, udpMax, new DatagramSocket(),
          to, null);
    }
    Socket s = target.transport() == Syslog.Transport.TLS ? tls.createSocket() : new Socket();
    try {
      s.connect(to, CONNECT_TIMEOUT_MS);
      s.setTcpNoDelay(true);
      if (s instanceof SSLSocket ssl) {
        SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(p);
        ssl.startHandshake();
      }
      return new SyslogSender(target, facility, hostname, sandbox, udpMax, null, null, s);
    } catch (IOException e) {
      s.close();
      throw new IOException("cannot connect to " + target + ": " + e.getMessage(), e);
    }
  }

  /** Events sent so far. */
  public long sent() {
    return sent.get();
  }

  public Syslog.Target target() {
    return target;
  }

  @Override
  public void accept(long seq, ObjectNode event, byte[] text) throws IOException {
    if (udp != null) {
      byte[] m = Syslog.message(facility, hostname, sandbox, seq, event, text, udpMax);
      udp.send(new DatagramPacket(m, m.length, udpTo));
    } else {
      byte[] m = Syslog.message(facility, hostname, sandbox, seq, event, text, Integer.MAX_VALUE);
      try {
        tcpOut.write(Integer.toString(m.length).getBytes(StandardCharsets.US_ASCII));
        tcpOut.write(' ');
        tcpOut.write(m);
      } catch (IOException e) {
        throw lost(e);
      }
    }
    sent.incrementAndGet();
  }

  @Override
  public void flush() throws IOException {
    if (tcpOut != null) {
      try {
        tcpOut.flush();
      } catch (IOException e) {
        throw lost(e);
      }
    }
  }

  private IOException lost(IOException e) {
    return new IOException("lost the connection to " + target + " after " + sent.get()
        + " events: " + e.getMessage(), e);
  }

  @Override
  public void close() throws IOException {
    if (udp != null) {
      udp.close();
    } else {
      try {
        flush();
      } finally {
        tcp.close();
      }
    }
  }
}
