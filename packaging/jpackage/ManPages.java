// Writes one AsciiDoc man page per command (nemoclaw.adoc, nemoclaw-run.adoc, ...) into the
// directory given, with picocli-codegen's ManPageGenerator; build.sh turns them into roff with
// asciidoctor. Run as a source file (`java -cp JARS ManPages.java DIR`) so the build needs no
// extra module. The generator's own command line takes annotated classes, but the root and `run`
// are built with picocli's programmatic API (see Main): it is given the model instead.
import dev.nemoclaw.cli.Main;
import java.io.File;
import picocli.codegen.docgen.manpage.ManPageGenerator;

public class ManPages {
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: ManPages OUTPUT_DIR");
      System.exit(2);
    }
    // No arguments: the command line with every subcommand, as `--help` sees it.
    var spec = Main.commandLine().getCommandSpec();
    System.exit(ManPageGenerator.generateManPage(
        new File(args[0]), null, new boolean[0], true, spec));
  }
}
