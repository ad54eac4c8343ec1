#!/usr/bin/env bash
# The files Jib adds on top of the base image (launcher pom, profile "image"): OUT/tmp and OUT/data always, and, on
# the offline base "scratch", a Java runtime: a jlink'd JRE from the build's own JDK at /opt/java/openjdk (where the
# eclipse-temurin images keep theirs, so the entrypoint is the same on both bases) plus the few glibc libraries it
# and Netty's native QUIC/epoll libraries link against, copied from this machine (ldd says which).
#
#   runtime.sh OUT BASE JDK MODULES [NATIVE_JAR...]
#   e.g. runtime.sh launcher/target/image-root scratch "$JAVA_HOME" java.base,jdk.unsupported netty-...-linux-x86_64.jar
#
# With any other BASE (e.g. eclipse-temurin:25-jre) the base brings Java and its libc: only the directories are made.
# The runtime is reused while OUT.key (JDK release + modules) is unchanged: jlink takes ~30 s.
set -euo pipefail
mkdir -p "$1"
out="$(cd "$1" && pwd)" base="$2" jdk="$3" modules="$4"
shift 4
native_jars=("$@")

rm -rf "$out/tmp" "$out/data"
mkdir -p "$out/tmp" "$out/data"
if [ "$base" != "scratch" ]; then
  rm -rf "$out/opt" "$out/lib" "$out/lib64" "$out/etc" "$out.key"
  exit 0
fi

key="$(cat "$jdk/release" 2>/dev/null | grep -E '^(JAVA_VERSION|IMPLEMENTOR)=' | tr '\n' ' ') modules=$modules"
if [ -f "$out.key" ] && [ "$(cat "$out.key")" = "$key" ] && [ -x "$out/opt/java/openjdk/bin/java" ]; then
  exit 0
fi
rm -rf "$out/opt" "$out/lib" "$out/lib64" "$out/etc" "$out.key"
mkdir -p "$out/opt/java"
# Not --compress: the layer is gzipped anyway, and an uncompressed runtime gzips smaller (33 MB against 41 MB).
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --output "$out/opt/java/openjdk"

# glibc for the JVM and for Netty's native libraries (extracted from their jars to /tmp at run time). libgcc_s is
# what glibc itself loads to unwind a cancelled thread. java.desktop's X11, splash-screen and sound libraries are
# left out with what they link: a server never loads them (jdeps wants java.desktop for java.beans and the like).
libs=()
natives="$(mktemp -d)"
trap 'rm -rf "$natives"' EXIT
for jar in "${native_jars[@]}"; do (cd "$natives" && "$jdk/bin/jar" xf "$(readlink -f "$jar")" META-INF/native); done
while IFS= read -r elf; do
  while IFS= read -r lib; do libs+=("$lib"); done < <(ldd "$elf" 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*' | grep -v "^$out" || true)
done < <(find "$out/opt/java/openjdk" "$natives" -type f \( -name '*.so' -o -path '*/bin/*' \) \
           ! -name 'libawt_xawt.so' ! -name 'libjawt.so' ! -name 'libsplashscreen.so' ! -name 'libjsound.so')
gcc_s="$(ldconfig -p | awk '/libgcc_s.so.1 .*x86-64/ {found = $NF} END {print found}')"   # no early exit: SIGPIPE under pipefail
[ -n "$gcc_s" ] && libs+=("$gcc_s")
for lib in $(printf '%s\n' "${libs[@]}" | sort -u); do
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"        # the file, not a symlink: Jib would follow it anyway
done
[ -f "$out/lib64/ld-linux-x86-64.so.2" ] || { echo "runtime.sh: no dynamic loader found by ldd" >&2; exit 1; }

# What glibc and the JVM look up: a user for uid 65532 (the image's user), hosts from /etc/hosts then DNS.
mkdir -p "$out/etc"
printf 'root:x:0:0:root:/root:/sbin/nologin\ntreecast:x:65532:65532:treecast:/data:/sbin/nologin\n' > "$out/etc/passwd"
printf 'root:x:0:\ntreecast:x:65532:\n' > "$out/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$out/etc/nsswitch.conf"
echo "$key" > "$out.key"
