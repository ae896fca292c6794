package dev.nemoclaw.sandbox.seccomp;

import dev.nemoclaw.host.AtomicFile;
import dev.nemoclaw.sandbox.seccomp.SeccompFilter.ArgCondition;
import dev.nemoclaw.sandbox.seccomp.SeccompFilter.Rule;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * Flattened seccomp profiles kept in a directory (the state dir's {@code seccomp/}), so that a run
 * does not parse the profile's JSON, and start Jackson for it, every time (~35 ms of a start).
 *
 * <p>An entry holds the profile's exact bytes, the host it was flattened for (architecture and
 * kernel version decide which rules apply) and the flattened filter. It is used only when the
 * profile file's bytes and the host are equal to the entry's, so an edited profile, another
 * profile with the same name or a new kernel is parsed afresh; an entry that fails its checksum
 * or cannot be read back completely is ignored and rewritten. Entries are written crash-safe ({@link AtomicFile}) and are
 * as trusted as the rest of the state dir.
 */
public final class SeccompCache {
  private static final int MAGIC = 0x4e435343; // "NCSC"
  private static final int FORMAT = 1;
  private static final Set<PosixFilePermission> OWNER_ONLY =
      Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private final Path dir;
  private final SeccompProfile.Host host;

  public SeccompCache(Path dir, SeccompProfile.Host host) {
    this.dir = dir;
    this.host = host;
  }

  /** The filter {@code profile} flattens to on this host: {@link SeccompProfile#load}, cached. */
  public SeccompFilter load(Path profile) throws SeccompProfileException {
    byte[] bytes = SeccompProfile.read(profile);
    String hostKey = hostKey(host);
    Path entry = dir.resolve(entryName(bytes, hostKey));
    Optional<SeccompFilter> cached = lookup(entry, bytes, hostKey);
    if (cached.isPresent()) {
      return cached.get();
    }
    SeccompFilter filter = SeccompProfile.parse(bytes, profile, host);
    try {
      AtomicFile.write(entry, encode(bytes, hostKey, filter), OWNER_ONLY);
    } catch (IOException e) {
      // an unwritable cache only means parsing again next time
    }
    return filter;
  }

  static String hostKey(SeccompProfile.Host h) {
    return h.scmpArch() + " " + new TreeSet<>(h.archAliases()) + " " + h.kernelMajor() + "."
        + h.kernelMinor();
  }

  /** Spreads entries over file names; {@link #lookup} still compares the whole key. */
  private static String entryName(byte[] profile, String hostKey) {
    CRC32C crc = new CRC32C();
    crc.update(profile);
    crc.update(hostKey.getBytes(StandardCharsets.UTF_8));
    return String.format("%08x.filter", crc.getValue());
  }

  private static Optional<SeccompFilter> lookup(Path entry, byte[] profile, String hostKey) {
    byte[] data;
    try {
      data = Files.readAllBytes(entry);
    } catch (IOException e) {
      return Optional.empty(); // none yet, or unreadable: parse
    }
    if (data.length < 4 || crc(data, data.length - 4) != readCrc(data)) {
      return Optional.empty(); // truncated or damaged
    }
    try (DataInputStream in =
        new DataInputStream(new ByteArrayInputStream(data, 0, data.length - 4))) {
      if (in.readInt() != MAGIC || in.readInt() != FORMAT || !in.readUTF().equals(hostKey)) {
        return Optional.empty();
      }
      if (in.readInt() != profile.length) {
        return Optional.empty();
      }
      byte[] stored = new byte[profile.length];
      in.readFully(stored);
      if (!Arrays.equals(stored, profile)) {
        return Optional.empty();
      }
      SeccompFilter filter = decodeFilter(in);
      return in.read() == -1 ? Optional.of(filter) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // written by another format, or not by us
    }
  }

  static byte[] encode(byte[] profile, String hostKey, SeccompFilter f) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buf)) {
      out.writeInt(MAGIC);
      out.writeInt(FORMAT);
      out.writeUTF(hostKey);
      out.writeInt(profile.length);
      out.write(profile);
      out.writeUTF(f.defaultAction().name());
      out.writeInt(f.defaultErrno());
      out.writeInt(f.arches().size());
      for (String arch : f.arches()) {
        out.writeUTF(arch);
      }
      out.writeInt(f.rules().size());
      for (Rule r : f.rules()) {
        out.writeUTF(r.syscall());
        out.writeUTF(r.action().name());
        out.writeInt(r.errno());
        out.writeInt(r.args().size());
        for (ArgCondition a : r.args()) {
          out.writeInt(a.index());
          out.writeUTF(a.op().name());
          out.writeLong(a.value());
          out.writeLong(a.valueTwo());
        }
      }
      out.flush();
      out.writeInt(crc(buf.toByteArray(), buf.size()));
    } catch (IOException e) {
      throw new IllegalStateException("writing to memory cannot fail", e);
    }
    return buf.toByteArray();
  }

  /** Guards an entry against damage on disk (a wrong filter that still decodes). */
  private static int crc(byte[] data, int length) {
    CRC32C crc = new CRC32C();
    crc.update(data, 0, length);
    return (int) crc.getValue();
  }

  private static int readCrc(byte[] data) {
    int n = data.length;
    return (data[n - 4] & 0xff) << 24 | (data[n - 3] & 0xff) << 16 | (data[n - 2] & 0xff) << 8
        | (data[n - 1] & 0xff);
  }

  private static SeccompFilter decodeFilter(DataInputStream in) throws IOException {
    SeccompAction def = SeccompAction.valueOf(in.readUTF());
    int defErrno = in.readInt();
    int nArches = in.readInt();
    List<String> arches = new ArrayList<>();
    for (int i = 0; i < nArches; i++) {
      arches.add(in.readUTF());
    }
    int nRules = in.readInt();
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < nRules; i++) {
      String syscall = in.readUTF();
      SeccompAction action = SeccompAction.valueOf(in.readUTF());
      int errno = in.readInt();
      int nArgs = in.readInt();
      List<ArgCondition> args = new ArrayList<>();
      for (int j = 0; j < nArgs; j++) {
        args.add(new ArgCondition(in.readInt(), CompareOp.valueOf(in.readUTF()), in.readLong(),
            in.readLong()));
      }
      rules.add(new Rule(syscall, action, errno, args));
    }
    return new SeccompFilter(def, defErrno, arches, rules);
  }
}
