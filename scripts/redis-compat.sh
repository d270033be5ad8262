#!/usr/bin/env bash
# Runs Redis's own Tcl test suite (7.0.15, external mode) against Seshat, a fresh node per unit.
#
#   scripts/redis-compat.sh                 the runner's 28 default units
#   scripts/redis-compat.sh other pause     the named units (as run.sh takes them)
#
# It builds the project (npm run build), picks a free port, and hands the units to the shared
# runner (run.sh: it runs each unit, counts [ok]/[err] and prints `unit passed failed skipped
# status` lines and a TOTAL). Before each unit the runner calls this script back as its
# BEFORE_UNIT hook (`--restart`), which kills the previous node's whole process group, starts a
# new node on the same port with an empty data dir and waits for PONG: the suite is destructive
# and leaves config behind, and real Redis's reference counts were taken the same way.
#
# Run by hand, not in CI: it needs the suite's tree and tclsh, and takes minutes per unit set.
#
# Environment:
#   REDIS_SRC          extracted redis 7.0.15 tree holding tests/ (default /tmp/redis-src). The
#                      runner writes tests/tmp: use a copy of your own, one suite per tree.
#   REDIS_COMPAT_RUN   the runner (default ../shared/redis-compat/run.sh from the repository)
#   SESHAT_ARGS        extra flags for every node (e.g. "--enable-debug-command yes")
#   NO_BUILD=1         skip npm run build
#   PORT               client port (default: a free one); UNIT_TIMEOUT, STALL_TIMEOUT, FAST,
#                      PROFILE, LOG_DIR, EXTRA_ARGS are passed to the runner unchanged
#   SESHAT_START_TIMEOUT  seconds to wait for a new node's PONG (default 30)
#   CLUSTER=leader|follower  instead of one standalone node, start a fresh 3-node cluster for
#                      every unit (scripts/cluster.sh, data and logs under the work dir, clients
#                      on PORT..PORT+2, Raft on RAFT_PORT..+2, by default below the ephemeral
#                      port range) and point the suite at its leader
#                      or at a follower (node 1; leadership is moved to node 1, or to node 2,
#                      with RAFT TRANSFER-LEADER before the unit starts). The follower relays
#                      commands as a plain client sees it (cluster-redirect forward, the default)
#   RAFT_PORT          first Raft port with CLUSTER (default: a free one)
#
# The runner's logs (one per unit, summary.tsv, failures.txt) go to LOG_DIR (default: a new
# /tmp/redis-compat.XXXXXX, printed at the end); the nodes' output is kept there as
# seshat-node.log. The last node and its data dir are removed on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MAIN="$ROOT/crates-ts/seshat/dist/main.js"
START_TIMEOUT="${SESHAT_START_TIMEOUT:-30}"

# Kills the node recorded in $WORK/node.pid: SIGKILL to its whole process group (it was started
# as a group leader by setsid), then waits until the leader is gone. The data dir is thrown
# away anyway, so a clean shutdown buys nothing.
stop_node() {
  local pid
  [[ -f $WORK/node.pid ]] || return 0
  pid=$(<"$WORK/node.pid")
  rm -f "$WORK/node.pid"
  [[ -n $pid ]] || return 0
  kill -KILL -- "-$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.05
  done
  echo "redis-compat: node $pid did not exit after SIGKILL" >&2
  return 1
}

# One PING on a fresh connection with bash's /dev/tcp; prints the first reply line.
ping_node() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
    printf '*1\r\n$4\r\nPING\r\n' >&3
    IFS= read -r -t 2 line <&3 || exit 1
    printf '%s\n' "${line%$'\r'}"
  ) 2>/dev/null
}

# The BEFORE_UNIT hook: previous node gone, empty data dir, new node, PONG.
restart_node() {
  : "${WORK:?}" "${PORT:?}"
  stop_node
  rm -rf "$WORK/data"
  mkdir -p "$WORK/data"
  echo "=== ${UNIT:-?} $(date -u +%FT%TZ)" >>"$WORK/node.log"
  # setsid: the node leads its own process group, so stop_node's group kill reaches every child.
  # shellcheck disable=SC2086
  setsid node "$MAIN" --port "$PORT" --bind 127.0.0.1 --dir "$WORK/data" --log-level warn \
    ${SESHAT_ARGS:-} >>"$WORK/node.log" 2>&1 </dev/null &
  echo $! >"$WORK/node.pid"
  local deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    [[ $(ping_node) == "+PONG" ]] && return 0
    kill -0 "$(<"$WORK/node.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "redis-compat: node for ${UNIT:-?} did not answer PING (log: $WORK/node.log)" >&2
  return 1
}

# RAFT STATUS field of the node on client port $1 (redis-cli), or nothing.
raft_field() {
  timeout 3 redis-cli -h 127.0.0.1 -p "$1" INFO raft 2>/dev/null | tr -d '\r' | sed -n "s/^$2:\(.*\)$/\1/p"
}

# The CLUSTER variant of the hook: the previous cluster gone, a new one on PORT-based ports,
# leadership on node 1 (leader) or node 2 (follower), and every node knowing that leader.
restart_cluster() {
  : "${WORK:?}" "${PORT:?}" "${RAFT_PORT:?}"
  local env=(SESHAT_CLUSTER_DATA="$WORK/cluster" SESHAT_CLIENT_PORT_BASE=$((PORT - 1))
    SESHAT_RAFT_PORT_BASE=$((RAFT_PORT - 1)))
  env "${env[@]}" "$ROOT/scripts/cluster.sh" stop >>"$WORK/node.log" 2>&1 || true
  rm -rf "$WORK/cluster"
  echo "=== ${UNIT:-?} $(date -u +%FT%TZ) cluster ($CLUSTER)" >>"$WORK/node.log"
  env "${env[@]}" "$ROOT/scripts/cluster.sh" start 3 >>"$WORK/node.log" 2>&1 || return 1
  local want=1 deadline=$((SECONDS + START_TIMEOUT)) i ok
  [[ $CLUSTER == follower ]] && want=2
  while ((SECONDS < deadline)); do
    ok=1
    for i in 0 1 2; do
      [[ $(raft_field $((PORT + i)) raft_leader) == "$want" ]] || ok=0
    done
    [[ $ok == 1 ]] && return 0
    if [[ $(raft_field $((PORT + want - 1)) raft_role) != leader ]]; then
      redis-cli -h 127.0.0.1 -p "$PORT" RAFT TRANSFER-LEADER "$want" >/dev/null 2>&1 || true
    fi
    sleep 0.2
  done
  echo "redis-compat: cluster for ${UNIT:-?} has no leader on node $want (log: $WORK/node.log)" >&2
  return 1
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# First of 3 consecutive free ports below the kernel's ephemeral range (32768 and up on Linux):
# a cluster's nodes dial each other from ephemeral ports, which could take a port a node of the
# next unit must listen on.
free_port_range() {
  node -e "
const net = require('net');
const probe = (p) => new Promise((ok) => { const s = net.createServer(); s.once('error', () => ok(false));
  s.listen(p, '127.0.0.1', () => s.close(() => ok(true))); });
(async () => { for (;;) { const base = 20000 + Math.floor(Math.random() * 12000);
  if ((await probe(base)) && (await probe(base + 1)) && (await probe(base + 2))) { console.log(base); return; } } })();"
}

if [[ ${1:-} == --restart ]]; then
  if [[ -n ${CLUSTER:-} ]]; then restart_cluster; else restart_node; fi
  exit $?
fi

RUNNER="${REDIS_COMPAT_RUN:-$ROOT/../shared/redis-compat/run.sh}"
export REDIS_SRC="${REDIS_SRC:-/tmp/redis-src}"
[[ -x $RUNNER || -f $RUNNER ]] || { echo "redis-compat: runner not found: $RUNNER" >&2; exit 2; }
[[ -f $REDIS_SRC/tests/test_helper.tcl ]] || {
  echo "redis-compat: no test tree at REDIS_SRC=$REDIS_SRC (see docs/testing.md)" >&2
  exit 2
}

if [[ ${NO_BUILD:-0} != 1 ]]; then
  (cd "$ROOT" && npm run build --silent)
fi

WORK=$(mktemp -d /tmp/seshat-redis-compat.XXXXXX)
export WORK
export LOG_DIR="${LOG_DIR:-$(mktemp -d /tmp/redis-compat.XXXXXX)}"
if [[ -n ${CLUSTER:-} ]]; then
  [[ $CLUSTER == leader || $CLUSTER == follower ]] || { echo "redis-compat: CLUSTER=leader|follower" >&2; exit 2; }
  export PORT="${PORT:-$(free_port_range)}"
  if [[ -z ${RAFT_PORT:-} ]]; then
    RAFT_PORT=$(free_port_range)
    while ((RAFT_PORT > PORT - 3 && RAFT_PORT < PORT + 3)); do RAFT_PORT=$(free_port_range); done
  fi
  export CLUSTER RAFT_PORT
  trap 'SESHAT_CLUSTER_DATA="$WORK/cluster" "$ROOT/scripts/cluster.sh" stop >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
else
  export PORT="${PORT:-$(free_port)}"
  trap 'stop_node || true; rm -rf "$WORK"' EXIT
fi
echo "redis-compat: port $PORT, node log $WORK/node.log" >&2

export BEFORE_UNIT="'$ROOT/scripts/redis-compat.sh' --restart"
set +e
bash "$RUNNER" "$@"
rc=$?
set -e
# The work dir goes on exit; the nodes' log stays beside the runner's logs.
cp "$WORK/node.log" "$LOG_DIR/seshat-node.log" 2>/dev/null || true
exit $rc
