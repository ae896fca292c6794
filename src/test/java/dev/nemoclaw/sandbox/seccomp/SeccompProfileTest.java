package dev.nemoclaw.sandbox.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nemoclaw.sandbox.seccomp.SeccompFilter.ArgCondition;
import dev.nemoclaw.sandbox.seccomp.SeccompFilter.Rule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SeccompProfileTest {
  static final SeccompProfile.Host X86 =
      new SeccompProfile.Host("SCMP_ARCH_X86_64", Set.of("amd64", "x86_64"), 6, 1);

  private static SeccompFilter parse(String json) throws SeccompProfileException {
    return SeccompProfile.parse(json, "test.json", X86);
  }

  @Test
  void flattensADockerStyleProfile() throws Exception {
    SeccompFilter f = parse("""
        {
          "defaultAction": "SCMP_ACT_ERRNO",
          "defaultErrnoRet": 1,
          "archMap": [
            {"architecture": "SCMP_ARCH_X86_64",
             "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
            {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}
          ],
          "syscalls": [
            {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
            {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": 2114060288, "valueTwo": 0,
                       "op": "SCMP_CMP_MASKED_EQ"}],
             "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}},
            {"names": ["mount"], "action": "SCMP_ACT_ALLOW",
             "includes": {"caps": ["CAP_SYS_ADMIN"]}},
            {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW",
             "includes": {"arches": ["amd64", "x32"]}},
            {"names": ["s390_pci_mmio_read"], "action": "SCMP_ACT_ALLOW",
             "includes": {"arches": ["s390x"]}},
            {"names": ["io_pgetevents"], "action": "SCMP_ACT_ALLOW",
             "includes": {"minKernel": "6.5"}},
            {"names": ["rseq"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.18"}},
            {"names": ["ptrace"], "action": "SCMP_ACT_ERRNO"},
            {"names": ["kexec_load"], "action": "SCMP_ACT_KILL", "comment": "never"}
          ]
        }
        """);
    assertEquals(SeccompAction.ERRNO, f.defaultAction());
    assertEquals(1, f.defaultErrno());
    assertEquals(List.of("x86_64", "x86", "x32"), f.arches());
    assertEquals(List.of(
        new Rule("read", SeccompAction.ALLOW, 0, List.of()),
        new Rule("write", SeccompAction.ALLOW, 0, List.of()),
        new Rule("clone3", SeccompAction.ERRNO, 38, List.of()),
        new Rule("clone", SeccompAction.ALLOW, 0,
            List.of(new ArgCondition(0, CompareOp.MASKED_EQ, 2114060288L, 0))),
        new Rule("arch_prctl", SeccompAction.ALLOW, 0, List.of()),
        new Rule("rseq", SeccompAction.ALLOW, 0, List.of()),
        new Rule("kexec_load", SeccompAction.KILL_THREAD, 0, List.of())), f.rules());
  }

  @Test
  void repeatedArgumentIndexesMeanOr() throws Exception {
    SeccompFilter f = parse("""
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
            {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"},
            {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
          {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [
            {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
            {"index": 1, "value": 18446744073709551615, "op": "SCMP_CMP_NE"}]}
        ]}
        """);
    assertEquals(3, f.rules().size());
    assertEquals(List.of(new ArgCondition(0, CompareOp.EQ, 8, 0)), f.rules().get(1).args());
    assertEquals(2, f.rules().get(2).args().size());
    assertEquals(-1L, f.rules().get(2).args().get(1).value());
  }

  @Test
  void architecturesWithoutArchMapAndTheHostsEntryOnly() throws Exception {
    SeccompFilter f = parse("""
        {"defaultAction": "SCMP_ACT_ALLOW",
         "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
         "syscalls": [{"names": ["reboot"], "action": "SCMP_ACT_KILL_PROCESS"}]}
        """);
    assertEquals(List.of("x86_64", "x86"), f.arches());
    assertEquals(0, f.defaultErrno());
    assertEquals(SeccompAction.KILL_PROCESS, f.rules().getFirst().action());
    SeccompFilter arm = SeccompProfile.parse("""
        {"defaultAction": "SCMP_ACT_ERRNO", "archMap": [
          {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
          {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}]}
        """, "arm.json", new SeccompProfile.Host("SCMP_ARCH_AARCH64", Set.of("arm64"), 6, 1));
    assertEquals(List.of("aarch64", "arm"), arm.arches());
  }

  @Test
  void rejectsWhatItCannotEnforceNamingFileAndEntry() {
    assertMessage("""
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
          {"names": ["connect", "accept"], "action": "SCMP_ACT_NOTIFY"}]}
        """, "test.json: syscalls[1] (connect, accept): SCMP_ACT_NOTIFY is not supported");
    assertMessage("""
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["ptrace"], "action": "SCMP_ACT_TRACE"}]}
        """, "test.json: syscalls[0] (ptrace): SCMP_ACT_TRACE is not supported");
    assertMessage("""
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["open"], "action": "SCMP_ACT_ALLOW",
           "args": [{"index": 1, "value": 1, "op": "SCMP_CMP_LIKE"}]}]}
        """, "test.json: syscalls[0] (open).args[0]: unknown op SCMP_CMP_LIKE");
    assertMessage("""
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["open"], "action": "SCMP_ACT_ALLOW", "exclude": {"arches": ["amd64"]}}]}
        """, "test.json: syscalls[0] (open): unknown key \"exclude\"");
    assertMessage("""
        {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]}
        """, "test.json: architectures: unknown architecture SCMP_ARCH_VAX");
    assertMessage("{\"syscalls\": []}", "test.json: defaultAction is required");
    assertMessage("{\"defaultAction\": ", "test.json: not valid JSON");
    assertMessage("""
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["open"], "action": "SCMP_ACT_ALLOW",
           "args": [{"index": 7, "value": 1, "op": "SCMP_CMP_EQ"}]}]}
        """, "index must be 0..5");
  }

  @Test
  void loadsFromAFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path p = dir.resolve("mini.json");
    Files.writeString(p, "{\"defaultAction\": \"SCMP_ACT_LOG\"}");
    assertEquals(SeccompAction.LOG, SeccompProfile.load(p, X86).defaultAction());
    SeccompProfileException e = assertThrows(SeccompProfileException.class,
        () -> SeccompProfile.load(dir.resolve("missing.json"), X86));
    assertTrue(e.getMessage().startsWith(dir.resolve("missing.json").toString()));
  }

  /** The shipped profiles parse and allow none of what issue 3 forbids. */
  @ParameterizedTest
  @ValueSource(strings = {"default", "strict"})
  void theShippedProfilesRefuseTheDangerousCalls(String name) throws Exception {
    SeccompFilter f = SeccompProfile.load(Path.of("profiles/seccomp/" + name + ".json"));
    assertEquals(SeccompAction.ERRNO, f.defaultAction());
    assertTrue(f.rules().size() < 4096);
    Set<String> allowed = f.rules().stream().filter(r -> r.action() == SeccompAction.ALLOW)
        .map(SeccompFilter.Rule::syscall).collect(Collectors.toSet());
    for (String forbidden : List.of("io_uring_setup", "io_uring_enter", "io_uring_register",
        "userfaultfd", "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "ptrace",
        "process_vm_readv", "process_vm_writev", "kexec_load", "kexec_file_load", "init_module",
        "finit_module", "delete_module", "mount", "umount2", "fsopen", "fsconfig", "fsmount",
        "fspick", "move_mount", "open_tree", "mount_setattr", "setns", "unshare", "pivot_root",
        "chroot", "clone3")) {
      assertFalse(allowed.contains(forbidden), name + " allows " + forbidden);
    }
    assertTrue(f.rules().stream().anyMatch(r -> r.syscall().equals("clone3")
        && r.action() == SeccompAction.ERRNO && r.errno() == 38), "clone3 must be ENOSYS");
    // clone only without namespace flags; socket only with an argument condition
    for (String conditional : List.of("clone", "socket")) {
      assertTrue(f.rules().stream().filter(r -> r.syscall().equals(conditional)
          && r.action() == SeccompAction.ALLOW).allMatch(r -> !r.args().isEmpty()),
          name + ": unconditional " + conditional);
    }
  }

  @Test
  void kernelVersions() {
    assertEquals(List.of(6, 18), toList(SeccompProfile.parseKernel("6.18.44-fc-v669")));
    assertEquals(List.of(5, 4), toList(SeccompProfile.parseKernel("5.4")));
  }

  private static List<Integer> toList(int[] a) {
    return List.of(a[0], a[1]);
  }

  private static void assertMessage(String json, String expected) {
    SeccompProfileException e = assertThrows(SeccompProfileException.class, () -> parse(json));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
