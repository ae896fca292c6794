package dev.nemoclaw.sandbox.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.nemoclaw.sandbox.SandboxException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * The one way nemoclaw reaches a Docker engine: {@code DOCKER_HOST} when set, else the unix socket
 * {@code /var/run/docker.sock}; docker-java over Apache httpclient5. Made only by commands that
 * need an engine, so the rest never load docker-java.
 */
public final class DockerEngine {
  private static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

  private DockerEngine() {}

  /** Where the engine is, from {@code env}'s {@code DOCKER_HOST} or the default socket. */
  public static URI host(Map<String, String> env) {
    String h = env.getOrDefault("DOCKER_HOST", "");
    return URI.create(h.isBlank() ? DEFAULT_HOST : h);
  }

  /**
   * A client for the engine at {@link #host}, checked with a ping.
   *
   * @throws SandboxException naming the host and what to do when no engine answers
   */
  public static DockerClient connect(Map<String, String> env) throws SandboxException {
    URI host = host(env);
    DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
        .withDockerHost(host.toString())
        .build();
    ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
        .dockerHost(config.getDockerHost())
        .sslConfig(config.getSSLConfig())
        .maxConnections(32)
        .connectionTimeout(Duration.ofSeconds(5))
        .build();
    DockerClient client = DockerClientImpl.getInstance(config, http);
    try {
      client.pingCmd().exec();
    } catch (RuntimeException e) {
      try {
        client.close();
      } catch (java.io.IOException ignored) {
        // nothing was open beyond the failed ping
      }
      throw new SandboxException("docker", "no Docker engine answers at " + host + " ("
          + firstLine(e) + "); start dockerd (or Docker Desktop), set DOCKER_HOST, or use "
          + "--backend native");
    }
    return client;
  }

  private static String firstLine(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getMessage() == null) {
      t = t.getCause();
    }
    String m = String.valueOf(t.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
