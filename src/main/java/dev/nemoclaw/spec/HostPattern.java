package dev.nemoclaw.spec;

/**
 * A destination in a network rule: an exact DNS name, {@code *.suffix} (subdomains only, never the
 * apex), an IP address or a CIDR block. Names are lower-cased; addresses are in canonical form.
 */
public sealed interface HostPattern {
  /** The pattern as it would be written in agent.yaml. */
  String text();

  /**
   * A pattern as agent.yaml writes it ({@code api.github.com}, {@code *.github.com},
   * {@code 10.0.0.1}, {@code 10.0.0.0/8}), checked as strictly as the spec loader does.
   *
   * @throws IllegalArgumentException saying what is wrong and what is allowed
   */
  static HostPattern parse(String text) {
    return Values.host(text);
  }

  record Name(String name) implements HostPattern {
    @Override
    public String text() {
      return name;
    }
  }

  /** {@code *.example.com}: {@code suffix} is {@code example.com}. */
  record Suffix(String suffix) implements HostPattern {
    @Override
    public String text() {
      return "*." + suffix;
    }
  }

  record Address(String address) implements HostPattern {
    @Override
    public String text() {
      return address;
    }
  }

  record Cidr(String network, int prefixLength) implements HostPattern {
    @Override
    public String text() {
      return network + "/" + prefixLength;
    }
  }
}
