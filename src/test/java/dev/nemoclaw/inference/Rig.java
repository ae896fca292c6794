package dev.nemoclaw.inference;

import dev.nemoclaw.privacy.PrivacyGuard;
import dev.nemoclaw.spec.Budget;
import dev.nemoclaw.spec.Inference;
import dev.nemoclaw.spec.Provider;
import dev.nemoclaw.spec.RateLimit;
import dev.nemoclaw.spec.Route;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A gateway over real sockets for one test: routes, limits, privacy and credentials as the test
 * sets them; requests sent the way the proxy would (with the secret); every event kept.
 */
final class Rig implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  final List<InferenceEvent> events = new CopyOnWriteArrayList<>();
  final InferenceGateway gateway;
  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).build();

  private Rig(GatewayConfig config) throws IOException {
    this.gateway = InferenceGateway.start(new GatewayConfig(config.spec(), config.privacy(),
        config.credentials(), config.prices(), events::add, config.tuning()));
  }

  static Builder with(Route... routes) {
    return new Builder(List.of(routes));
  }

  static Route route(String name, Provider provider, URI base, String model) {
    return new Route(name, provider, base, model, Optional.empty(), Optional.empty(), TIMEOUT);
  }

  static Route withKey(Route r, String env) {
    return new Route(r.name(), r.provider(), r.baseUrl(), r.model(), Optional.of(env),
        r.fallback(), r.timeout());
  }

  static Route withFallback(Route r, String fallback) {
    return new Route(r.name(), r.provider(), r.baseUrl(), r.model(), r.apiKeyEnv(),
        Optional.of(fallback), r.timeout());
  }

  static Route withTimeout(Route r, Duration timeout) {
    return new Route(r.name(), r.provider(), r.baseUrl(), r.model(), r.apiKeyEnv(),
        r.fallback(), timeout);
  }

  static final class Builder {
    private final List<Route> routes;
    private Optional<String> defaultRoute = Optional.empty();
    private Optional<Budget> budget = Optional.empty();
    private Optional<RateLimit> rateLimit = Optional.empty();
    private PrivacyGuard privacy = PrivacyGuard.off();
    private Credentials credentials = Credentials.of(Map.of());
    private PriceTable prices = PriceTable.builtIn();
    private GatewayConfig.Tuning tuning = GatewayConfig.Tuning.defaults();

    Builder(List<Route> routes) {
      this.routes = routes;
    }

    Builder defaultRoute(String name) {
      defaultRoute = Optional.of(name);
      return this;
    }

    Builder budget(Budget b) {
      budget = Optional.of(b);
      return this;
    }

    Builder rateLimit(RateLimit r) {
      rateLimit = Optional.of(r);
      return this;
    }

    Builder privacy(PrivacyGuard p) {
      privacy = p;
      return this;
    }

    Builder credentials(Credentials c) {
      credentials = c;
      return this;
    }

    Builder prices(PriceTable p) {
      prices = p;
      return this;
    }

    Builder tuning(GatewayConfig.Tuning t) {
      tuning = t;
      return this;
    }

    Rig start() throws IOException {
      Optional<String> dflt = defaultRoute.or(() -> routes.stream().findFirst().map(Route::name));
      return new Rig(new GatewayConfig(new Inference(dflt, routes, budget, rateLimit), privacy,
          credentials, prices, e -> { }, tuning));
    }
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.address().getPort() + path);
  }

  HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT);
    gateway.secretHeaders().forEach(b::header);
    return b;
  }

  HttpResponse<String> post(String path, String json, String... headers) throws Exception {
    HttpRequest.Builder b = request(path).POST(HttpRequest.BodyPublishers.ofString(json))
        .header("Content-Type", "application/json");
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<InputStream> postStream(String path, String json) throws Exception {
    return client.send(request(path).POST(HttpRequest.BodyPublishers.ofString(json))
        .header("Content-Type", "application/json").build(),
        HttpResponse.BodyHandlers.ofInputStream());
  }

  HttpResponse<String> get(String path) throws Exception {
    return client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> send(HttpRequest r) throws Exception {
    return client.send(r, HttpResponse.BodyHandlers.ofString());
  }

  InferenceSnapshot snapshot() {
    return gateway.snapshot();
  }

  <T extends InferenceEvent> List<T> events(Class<T> type) {
    List<T> out = new ArrayList<>();
    for (InferenceEvent e : events) {
      if (type.isInstance(e)) {
        out.add(type.cast(e));
      }
    }
    return out;
  }

  static String chat(String model, String user) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + user
        + "\"}]}";
  }

  static String chatStream(String model, String user) {
    return "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\","
        + "\"content\":\"" + user + "\"}]}";
  }

  @Override
  public void close() {
    gateway.close();
    client.close();
  }
}
