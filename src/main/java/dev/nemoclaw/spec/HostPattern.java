package dev.nemoclaw.spec;

/**
 * A destination in a network rule: an exact DNS name, {@code *.suffix} (subdomains only, never the
 * apex), an IP address or a CIDR block. Names are lower-cased; addresses are in canonical form.
 */
public sealed interface HostPattern {
  /** The pattern as it would be written in agent.yaml. */
  String text();

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
