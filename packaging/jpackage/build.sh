#!/usr/bin/env bash
# The packages, in one command: an app image, a .deb and an .rpm of nemoclaw in target/packages/,
# each with a trimmed Java runtime (jlink), the jar and its dependencies, the static sandbox init,
# the seccomp profiles and presets, a JDK AOT cache trained on this very layout, man pages and
# shell completions. Builds the jar and init first when ./nemoclaw would (reuses them otherwise).
# Needs a full JDK >= 25 (jlink, jpackage), and dpkg-deb, fakeroot, rpmbuild and asciidoctor,
# which it installs with apt when run as root. See docs/install.md.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT"
OUT=$ROOT/target/packages
B=$OUT/build                    # scratch: staged input, runtime, pages, jpackage's outputs
NAME=nemoclaw
INSTALL_DIR=/opt/$NAME          # jpackage's default for Linux packages; documented in install.md
DESCRIPTION="Run AI agents in hardened Linux sandboxes, governed live"

say() { printf 'packaging: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# shellcheck source=scripts/find-java.sh
source scripts/find-java.sh
# shellcheck source=packaging/jvm.sh
source packaging/jvm.sh
JAVA_HOME=$(find_java) || die "no JDK >= 25 in JAVA_HOME, /usr/lib/jvm or PATH; install one (e.g. Temurin 25) or set JAVA_HOME"
export JAVA_HOME
for tool in jlink jpackage jdeps; do
  [[ -x $JAVA_HOME/bin/$tool ]] || die "$JAVA_HOME has no $tool: point JAVA_HOME at a full JDK >= 25"
done

# The tools jpackage drives (dpkg-deb, fakeroot, rpmbuild) and asciidoctor for the man pages.
missing=()
for tool in dpkg-deb:dpkg fakeroot:fakeroot rpmbuild:rpm asciidoctor:asciidoctor gzip:gzip; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if (( ${#missing[@]} )); then
  if (( EUID == 0 )) && command -v apt-get >/dev/null; then
    say "installing packaging tools: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }
  else
    die "missing packaging tools; run: sudo apt-get install -y ${missing[*]}"
  fi
fi

# The jar, its dependencies (target/lib), the init and JNA's native part: ./nemoclaw builds them
# when they are missing or older than the sources, exactly as for a run.
./nemoclaw --version >/dev/null
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)
picocli=$(sed -n 's:.*<picocli.version>\(.*\)</picocli.version>.*:\1:p' pom.xml)
app_version=${version%%-*}      # jpackage, dpkg and rpm want digits and dots: 0.1.0-SNAPSHOT -> 0.1.0
[[ $app_version =~ ^[0-9]+(\.[0-9]+)*$ ]] || die "pom.xml's version $version does not start with a dotted number"
case $HOSTTYPE in x86_64) jna_platform=linux-x86-64 ;; *) jna_platform=linux-$HOSTTYPE ;; esac

rm -rf "$OUT"
mkdir -p "$B"

say "staging the jar, its dependencies, the init, profiles and presets"
in=$B/input                     # becomes lib/app/ of the image: Install.java finds presets/ there
mkdir -p "$in/lib/jna"
cp target/nemoclaw.jar "$in/"
cp target/lib/*.jar "$in/lib/"
cp "target/native/jna/com/sun/jna/$jna_platform/libjnidispatch.so" "$in/lib/jna/"
# Static (no libseccomp at run time); root-owned and not writable by others once installed.
install -m 0755 target/native/nemoclaw-init "$in/lib/nemoclaw-init"
mkdir -p "$in/profiles"
cp -r profiles/seccomp "$in/profiles/"
cp -r presets "$in/"
cp packaging/jvm.sh "$in/"

# The modules the jar and its dependencies use, as jdeps sees them (java.desktop comes from
# java.beans, which Jackson, SnakeYAML and others name). TLS needs nothing more: since JDK 22 the
# EC, XDH and EdDSA providers live in java.base (jdk.crypto.ec is an empty, deprecated module).
say "jdeps + jlink: the runtime"
modules=$("$JAVA_HOME/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 \
  "$in/$NAME.jar" "$in"/lib/*.jar 2>/dev/null | tail -1)
[[ $modules == java.base* ]] || die "jdeps gave no module list (got: $modules)"
# No --strip-native-commands: our launcher runs bin/java. The default CDS archive is generated
# for the runtime: the short commands, which start without the AOT cache, use it. Left out:
# java.desktop's X11, sound and splash-screen libraries, which a command-line program never loads
# (`term` forces Lanterna's text terminal) and which would make the packages depend on X11 and
# ALSA; what remains needs only libc.
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --output "$B/runtime" \
  --strip-debug --no-man-pages --no-header-files --generate-cds-archive \
  --exclude-files='**/libawt_xawt.so,**/libjawt.so,**/libsplashscreen.so,**/libjsound.so'
echo "$modules" > "$B/modules.txt"

say "jpackage: the app image"
"$JAVA_HOME/bin/jpackage" --type app-image --name "$NAME" --app-version "$app_version" \
  --description "$DESCRIPTION" --vendor nemoclaw \
  --input "$in" --main-jar "$NAME.jar" --main-class dev.nemoclaw.cli.Main \
  --runtime-image "$B/runtime" --dest "$B/image"
image=$B/image/$NAME
app=$image/lib/app
# jpackage's native launcher cannot choose JVM flags per command: ours replaces it.
install -m 0755 packaging/jpackage/launcher.sh "$image/bin/$NAME"
chmod 0755 "$app/lib/nemoclaw-init"

say "man pages (picocli-codegen $picocli + asciidoctor) and shell completions"
codegen=$B/tools/picocli-codegen-$picocli.jar
fetch=(-q -B dependency:copy -Dartifact="info.picocli:picocli-codegen:$picocli" -Dtransitive=false
  -DoutputDirectory="$B/tools")
./mvnw -o "${fetch[@]}" >/dev/null 2>&1 || ./mvnw "${fetch[@]}" >/dev/null ||
  die "could not fetch info.picocli:picocli-codegen:$picocli from Maven Central (needed for the man pages)"
[[ -f $codegen ]] || die "no $codegen after fetching it"
"$JAVA_HOME/bin/java" -cp "$app/$NAME.jar:$app/lib/*:$codegen" packaging/jpackage/ManPages.java "$B/adoc"
mkdir -p "$image/share/man/man1"
asciidoctor -b manpage -a mansource="$NAME $version" -a manmanual="nemoclaw Manual" \
  -D "$image/share/man/man1" "$B"/adoc/*.adoc
gzip -9n "$image"/share/man/man1/*.1
[[ -f $image/share/man/man1/$NAME-run.1.gz ]] || die "no man page for nemoclaw run was generated"
# Generated by the packaged copy itself, which checks it starts at all.
mkdir -p "$image/share/bash-completion/completions" "$image/share/zsh/site-functions"
"$image/bin/$NAME" completion bash > "$image/share/bash-completion/completions/$NAME"
grep -q 'complete -F' "$image/share/bash-completion/completions/$NAME" ||
  die "nemoclaw completion bash printed no completion script"
# zsh autoloads _nemoclaw from its fpath; picocli's script is bash's, which zsh runs through
# bashcompinit: the function loads it once, then hands this first completion to it.
{
  printf '%s\n' '#compdef nemoclaw' \
    "# picocli's completion script (nemoclaw completion zsh), run through zsh's bashcompinit." \
    'autoload -U +X bashcompinit && bashcompinit'
  "$image/bin/$NAME" completion zsh
  printf '%s\n' '_bash_complete -F _complete_nemoclaw "$@"'
} > "$image/share/zsh/site-functions/_$NAME"

# The AOT cache names the jars relative to itself and checks their size and mtime, so it stays
# valid wherever the image lands (/opt/nemoclaw) as long as the mtimes do: they are pinned to the
# last commit's time here, and the .deb and .rpm keep them (checked after install by PackageIT).
say "training the AOT caches on the image (a run of true, as ./nemoclaw does; --help)"
epoch=$(git log -1 --format=%ct 2>/dev/null || date +%s)
find "$image" -exec touch -h -d "@$epoch" {} +
nemoclaw_train_aot "$image/lib/runtime/bin/java" "$app/$NAME.jar" "$app" "$app/lib/jna" "$app/$NAME.aot"
[[ -s $app/$NAME.aot ]] || die "the training run made no AOT cache; try: $image/bin/$NAME run examples/hello/agent.yaml"
nemoclaw_train_aot_cli "$image/lib/runtime/bin/java" "$app/$NAME.jar" "$app" "$app/lib/jna" "$app/$NAME-cli.aot"
[[ -s $app/$NAME-cli.aot ]] || die "training on --help made no AOT cache; try: $image/bin/$NAME --help"
touch -d "@$epoch" "$app/$NAME.aot" "$app/$NAME-cli.aot"
# AOTMode=on: fail rather than start without the cache the launcher picks.
NEMOCLAW_JVM_DEBUG=-XX:AOTMode=on "$image/bin/$NAME" run --dry-run examples/hello/agent.yaml >/dev/null ||
  die "the packaged AOT cache of run does not load (above)"
NEMOCLAW_JVM_DEBUG=-XX:AOTMode=on "$image/bin/$NAME" --help >/dev/null ||
  die "the packaged AOT cache of the other commands does not load (above)"
cp -a "$image" "$OUT/$NAME"

# jpackage --type deb/rpm from the finished image. The resources: the .deb's control (Suggests)
# and the .rpm's spec, which adds /usr/bin/nemoclaw, the man pages and the completions.
common=(--app-image "$image" --name "$NAME" --app-version "$app_version" --description "$DESCRIPTION"
  --vendor nemoclaw --resource-dir packaging/jpackage/resources --linux-package-name "$NAME"
  --linux-app-release 1 --install-dir /opt)
say "jpackage: the .deb"
# jpackage's own .deb is only unpacked again below: a dpkg-deb that does not compress it saves
# compressing 200 MB twice (a minute or two).
mkdir -p "$B/bin"
printf '#!/bin/sh\nexec %q -Znone "$@"\n' "$(command -v dpkg-deb)" > "$B/bin/dpkg-deb"
chmod +x "$B/bin/dpkg-deb"
PATH=$B/bin:$PATH "$JAVA_HOME/bin/jpackage" --type deb "${common[@]}" --dest "$B/deb" \
  --linux-deb-maintainer "${NEMOCLAW_PACKAGE_MAINTAINER:-nemoclaw@localhost}" --linux-app-category admin
# jpackage puts only bin/ and lib/ of the image in a package: /usr/bin/nemoclaw, the man pages
# and the completions are added here, as files dpkg knows (so `dpkg -S`, conflicts and removal
# work) rather than made by a maintainer script; nemoclaw.spec does the same for the .rpm.
deb=$(echo "$B"/deb/*.deb)
root=$B/debroot
dpkg-deb -R "$deb" "$root"
find "$root$INSTALL_DIR" -exec touch -h -d "@$epoch" {} +   # jpackage's copy took the mtimes
install -d -m 755 "$root/usr/bin" "$root/usr/share/man/man1" \
  "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions"
ln -s "$INSTALL_DIR/bin/$NAME" "$root/usr/bin/$NAME"
install -m 644 "$image"/share/man/man1/*.1.gz "$root/usr/share/man/man1/"
install -m 644 "$image/share/bash-completion/completions/$NAME" "$root/usr/share/bash-completion/completions/"
install -m 644 "$image/share/zsh/site-functions/_$NAME" "$root/usr/share/zsh/vendor-completions/"
dpkg-deb --root-owner-group -b "$root" "$OUT/${deb##*/}" >/dev/null

say "jpackage: the .rpm"
# nemoclaw.spec sets every mtime under /opt/nemoclaw to SOURCE_DATE_EPOCH, as above, and takes
# the man pages and completions from NEMOCLAW_IMAGE.
SOURCE_DATE_EPOCH=$epoch NEMOCLAW_IMAGE=$image "$JAVA_HOME/bin/jpackage" --type rpm "${common[@]}" --dest "$B/rpm"
rpm=$(echo "$B"/rpm/*.rpm)
rpm -qp --dump "$rpm" 2>/dev/null | awk -v e="$epoch" -v f="$INSTALL_DIR/lib/app/$NAME.jar" '$1 == f { ok = ($3 == e) } END { exit !ok }' ||
  die "the .rpm changed the jars' mtimes: its AOT cache would not load"
cp "$rpm" "$OUT/"   # jpackage warns "app-image dir not generated by jpackage" here: harmless

rm -rf "$B"
say "done:"
ls -l "$OUT"/*.deb "$OUT"/*.rpm >&2
say "app image: $OUT/$NAME (bin/$NAME runs it in place)"
