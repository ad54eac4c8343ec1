#!/usr/bin/env bash
# Checks the image Jib wrote (launcher/target/jib-image.tar) without a container engine: its manifest and config,
# then its layers unpacked into a directory and run there, as a container would run them: chroot as the image's
# user, with /proc, in a network namespace of its own (only loopback: no port clashes, no traffic out).
# In it: the ingest and two relays start from the Kubernetes config files (deploy/k8s/base/config), the second relay is
# placed under the first, and SIGTERM makes the first drain: the tree controller moves its child, and it closes.
#
#   deploy/image/check.sh [TAR]        as root (chroot, unshare); mvn -Pimage verify runs it
#
# Prints "image check: ..." lines and ends with "N passed, 0 failed"; exits non-zero on the first failure.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tar="${1:-$repo/launcher/target/jib-image.tar}"
name="${IMAGE_NAME:-treecast:0.1.0-SNAPSHOT}"
passed=0

ok() { echo "image check: $*: ok"; passed=$((passed + 1)); }
fail() { echo "image check: FAILED: $*" >&2; echo "$passed passed, 1 failed"; exit 1; }

[ -f "$tar" ] || fail "no image at $tar (mvn -Pimage package builds it)"
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
  echo "image check: needs root, unshare (util-linux) and ip (iproute2) to run the image; only checking the tar" >&2
  run_it=0
else
  run_it=1
fi

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/image" "$work/root"
tar -xf "$tar" -C "$work/image"

# --- the manifest and config -------------------------------------------------------------------------------------
manifest="$(cat "$work/image/manifest.json")"
config="$(cat "$work/image/config.json")"
grep -q "\"RepoTags\":\[\"$name\"\]" <<<"$manifest" || fail "manifest names $name: $manifest"
layers=($(grep -o '"Layers":\[[^]]*\]' <<<"$manifest" | sed 's/"Layers":\[//; s/\]$//; s/[",]/ /g'))
[ "${#layers[@]}" -ge 5 ] || fail "at least 5 layers (dependencies, project dependencies, resources, classes, runtime): ${#layers[@]}"
ok "manifest: $name, ${#layers[@]} layers"
for want in '"User":"65532:65532"' '"WorkingDir":"/data"' '"4433/udp"' '"4434/udp"' '"4443/udp"' '"8080/tcp"' \
    '"8081/tcp"' '"Entrypoint":\["/opt/java/openjdk/bin/java"'; do
  grep -q "$want" <<<"$config" || fail "config has $want: $config"
done
ok "config: user 65532, ports 4433/udp 4434/udp 4443/udp 8080 8081, java at /opt/java/openjdk"
entry=($(grep -o '"Entrypoint":\[[^]]*\]' <<<"$config" | sed 's/"Entrypoint":\[//; s/\]$//; s/","/" "/g; s/"//g'))

for layer in "${layers[@]}"; do
  tar --warning=no-unknown-keyword -xzf "$work/image/$layer" -C "$work/root"
done
for f in app/jib-classpath-file opt/java/openjdk/bin/java lib64/ld-linux-x86-64.so.2; do
  [ -e "$work/root/$f" ] || fail "image has /$f"
done
ok "layers unpack: $(du -sh "$work/root" | cut -f1) on disk, $(du -h "$tar" | cut -f1) as a tar"
if [ "$run_it" = 0 ]; then
  echo "$passed passed, 0 failed"
  exit 0
fi

# --- run it ------------------------------------------------------------------------------------------------------
mkdir -p "$work/root/proc" "$work/root/etc/treecast"
cp "$repo/deploy/k8s/base/config/ingest.yaml" "$repo/deploy/k8s/base/config/relay.yaml" "$work/root/etc/treecast/"
printf '127.0.0.1 localhost treecast-ingest\n' > "$work/root/etc/hosts"   # the Service name, as cluster DNS would

cat > "$work/inside.sh" <<EOF
set -euo pipefail
ip link set lo up
cd "$work/root/data"
run() { exec chroot --userspec=65532:65532 "$work/root" ${entry[*]} "\$@"; }
# The k8s config files as they are; flags only where the pod's downward API would give them, and, to put the
# second relay under the first, one root slot.
(run ingest --config /etc/treecast/ingest.yaml --root-slots 1) > "$work/ingest.log" 2>&1 &
echo "PID ingest \$!"
wait_for() { # FILE PATTERN SECONDS
  for _ in \$(seq 1 \$((\$3 * 5))); do grep -q "\$2" "\$1" 2>/dev/null && return 0; sleep 0.2; done
  echo "no '\$2' in \$1 after \$3 s:"; cat "\$1"; return 1
}
wait_for "$work/ingest.log" "relays connect to QUIC" 60
(run relay --config /etc/treecast/relay.yaml --node-id relay-0 --advertise 127.0.0.1) > "$work/relay-0.log" 2>&1 &
relay0=\$!
wait_for "$work/relay-0.log" "browsers: WebTransport" 60
# The readiness probe's request, without curl.
exec 3<>/dev/tcp/127.0.0.1/8081
printf 'GET /api/edge HTTP/1.0\r\nHost: x\r\n\r\n' >&3
status="\$(head -1 <&3)"
exec 3>&-
echo "READY \$status"
(run relay --config /etc/treecast/relay.yaml --node-id relay-1 --advertise 127.0.0.1 --port 4435 \
    --webtransport-port 4444 --http-port 8082) > "$work/relay-1.log" 2>&1 &
relay1=\$!
wait_for "$work/relay-1.log" "relay-1: attached to relay-0" 60
kill -TERM \$relay0
start=\$(date +%s)
rc=0; wait \$relay0 || rc=\$?
echo "RELAY0 exit \$rc after \$((\$(date +%s) - start)) s"
wait_for "$work/relay-1.log" "relay-1: moved from relay-0\\|relay-1: repaired" 30 || true
kill -TERM \$relay1; wait \$relay1 || true
EOF
timeout 240 unshare --net --mount --pid --fork --mount-proc="$work/root/proc" bash "$work/inside.sh" \
  > "$work/inside.log" 2>&1 || { cat "$work/inside.log" "$work"/*.log >&2; fail "the image runs (log above)"; }
out="$(cat "$work/inside.log")"
grep -q '^READY HTTP/1.1 200' <<<"$out" || fail "relay answers its readiness probe: $out"
ok "as uid 65532: ingest and relays start from deploy/k8s/base/config, relay-0 ready (GET /api/edge: 200)"
grep -q "draining 1 child relays" "$work/relay-0.log" || { cat "$work"/*.log >&2; fail "relay-0 drains its child on SIGTERM"; }
grep -q "relay-0: closed" "$work/relay-0.log" || { cat "$work/relay-0.log" >&2; fail "relay-0 closes after draining"; }
moved="$(grep -o "relay-1: moved from relay-0 to .*" "$work/relay-1.log" | head -1)"
[ -n "$moved" ] || { cat "$work"/*.log >&2; fail "relay-1 moved (make-before-break) off the draining relay-0"; }
ok "SIGTERM: relay-0 drained and closed ($(grep '^RELAY0' <<<"$out" | cut -c8-)); $moved"
echo "$passed passed, 0 failed"
