#!/usr/bin/env bash
# Runs a local Seshat cluster (one Raft group) of N nodes on this machine.
#
#   scripts/cluster.sh start [N]   start nodes 1..N (N = 3 or 5... any of 1-5; default: the size
#                                  the data dir was bootstrapped with, else 3), wait until each
#                                  is ready and a leader is elected, then print the status
#   scripts/cluster.sh stop        SIGTERM every node started here and wait for it to exit
#                                  (SIGKILL after SESHAT_STOP_TIMEOUT seconds, default 20)
#   scripts/cluster.sh status      role / term / leader / applied index of every node
#
# Node i reads config/node<i>.toml, serves clients on 127.0.0.1:3000<i> and Raft on
# 127.0.0.1:3100<i>, keeps its data in ./data/node<i>, its log in ./data/node<i>.log and its
# pid in ./data/node<i>.pid. The members (initial-members) are kept here, for the size being
# started, and passed with --initial-members, overriding the files: `start 5` gives all five
# nodes the 5-member list. A cluster keeps its size: the size is recorded in
# ./data/cluster-size at the first start, and starting another size on the same data is refused
# (stop, `rm -rf ./data`, start again). Run from anywhere; paths are relative to the repository.
#
# SESHAT_NODE_FLAGS adds flags to every node process (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
# to profile; the profiles are written when the nodes stop); SESHAT_ARGS adds seshat flags after
# the config file's (e.g. "--enable-debug-command yes").
#
# To run a second cluster beside the default one (tests, the Redis suite's cluster runs), move it:
# SESHAT_CLUSTER_DATA (default ./data) holds its data, logs and pids, and node i serves clients on
# SESHAT_CLIENT_PORT_BASE + i (default 30000) and Raft on SESHAT_RAFT_PORT_BASE + i (default
# 31000); the ports are then passed as flags, overriding config/node<i>.toml.
#
# Needs a build (npm run build). status uses redis-cli when installed, else a small node script.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MAIN="crates-ts/seshat/dist/main.js"
DATA="${SESHAT_CLUSTER_DATA:-./data}"
CLIENT_PORT_BASE="${SESHAT_CLIENT_PORT_BASE:-30000}"
RAFT_PORT_BASE="${SESHAT_RAFT_PORT_BASE:-31000}"
MAX_NODES=5
START_TIMEOUT="${SESHAT_START_TIMEOUT:-30}"
STOP_TIMEOUT="${SESHAT_STOP_TIMEOUT:-20}"

client_port() { echo $((CLIENT_PORT_BASE + $1)); }
raft_port() { echo $((RAFT_PORT_BASE + $1)); }
pid_file() { echo "$DATA/node$1.pid"; }
log_file() { echo "$DATA/node$1.log"; }

members() {
  local n=$1 out="" i
  for ((i = 1; i <= n; i++)); do
    out+="${out:+,}$i@127.0.0.1:$(raft_port "$i")@127.0.0.1:$(client_port "$i")"
  done
  echo "$out"
}

# The pid of node i if it is running (from its pid file), else nothing.
running_pid() {
  local f pid
  f=$(pid_file "$1")
  [[ -f $f ]] || return 0
  pid=$(<"$f")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  # A recycled pid that is not ours (Linux: check its command line).
  if [[ -r /proc/$pid/cmdline ]] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$MAIN"; then return 0; fi
  echo "$pid"
}

# INFO raft of the node on port $1 (raw text), or nothing when it does not answer.
info_raft() {
  if command -v redis-cli >/dev/null 2>&1; then
    timeout 3 redis-cli -h 127.0.0.1 -p "$1" INFO raft 2>/dev/null | tr -d '\r' || true
    return 0
  fi
  timeout 3 node - "$1" <<'JS' 2>/dev/null || true
const net = require('node:net');
const s = net.connect(Number(process.argv[2]), '127.0.0.1');
let buf = Buffer.alloc(0);
s.on('connect', () => s.write('*2\r\n$4\r\nINFO\r\n$4\r\nraft\r\n'));
s.on('data', (d) => {
  buf = Buffer.concat([buf, d]);
  const nl = buf.indexOf('\r\n');
  if (nl < 0) return;
  if (buf[0] !== 0x24) { process.stdout.write(buf.toString()); s.destroy(); return; } // not a bulk
  const len = Number(buf.subarray(1, nl).toString());
  if (buf.length < nl + 2 + len) return;
  process.stdout.write(buf.subarray(nl + 2, nl + 2 + len).toString().replace(/\r/g, ''));
  s.destroy();
});
s.on('error', () => process.exit(1));
JS
}

field() { sed -n "s/^$1:\(.*\)$/\1/p" <<<"$2"; }

status() {
  local i pid port info any=0
  printf '%-5s %-8s %-7s %-10s %-6s %-7s %-9s %s\n' node pid client role term leader applied first_index
  for ((i = 1; i <= MAX_NODES; i++)); do
    pid=$(running_pid "$i")
    [[ -z $pid && ! -f $(pid_file "$i") && ! -d $DATA/node$i ]] && continue
    any=1
    port=$(client_port "$i")
    if [[ -z $pid ]]; then
      printf '%-5s %-8s %-7s %s\n' "$i" - "$port" stopped
      continue
    fi
    info=$(info_raft "$port")
    if [[ -z $info ]]; then
      printf '%-5s %-8s %-7s %s\n' "$i" "$pid" "$port" 'not answering'
      continue
    fi
    printf '%-5s %-8s %-7s %-10s %-6s %-7s %-9s %s\n' "$i" "$pid" "$port" "$(field raft_role "$info")" \
      "$(field raft_term "$info")" "$(field raft_leader "$info")" "$(field raft_applied_index "$info")" \
      "$(field raft_first_index "$info")"
  done
  [[ $any == 1 ]] || echo "(no nodes: scripts/cluster.sh start [N])"
}

# Prints the leader's node id once a running node reports itself leader; 1 after the timeout.
wait_leader() {
  local deadline=$((SECONDS + $1)) i info
  while ((SECONDS < deadline)); do
    for ((i = 1; i <= MAX_NODES; i++)); do
      [[ -n $(running_pid "$i") ]] || continue
      info=$(info_raft "$(client_port "$i")")
      if [[ $(field raft_role "$info") == leader ]]; then
        echo "$i"
        return 0
      fi
    done
    sleep 0.1
  done
  return 1
}

# Waits until every running node names node $1 as its leader (a node that started after the
# election hears from the leader once the leader's Raft link to it reconnects).
wait_known_leader() {
  local deadline=$((SECONDS + $2)) i ok
  while ((SECONDS < deadline)); do
    ok=1
    for ((i = 1; i <= MAX_NODES; i++)); do
      [[ -n $(running_pid "$i") ]] || continue
      [[ $(field raft_leader "$(info_raft "$(client_port "$i")")") == "$1" ]] || ok=0
    done
    [[ $ok == 1 ]] && return 0
    sleep 0.1
  done
  return 1
}

start() {
  local n=${1:-} recorded="" i pid log before mem deadline
  [[ -f $MAIN ]] || { echo "$MAIN is missing: run npm run build first" >&2; exit 1; }
  mkdir -p "$DATA"
  [[ -f $DATA/cluster-size ]] && recorded=$(<"$DATA/cluster-size")
  n=${n:-${recorded:-3}}
  if ! [[ $n =~ ^[1-5]$ ]]; then
    echo "cluster size must be 1..$MAX_NODES, got '$n'" >&2
    exit 2
  fi
  if [[ -n $recorded && $recorded != "$n" ]]; then
    echo "./data holds a $recorded-node cluster; stop it and remove ./data to start $n nodes" >&2
    exit 2
  fi
  echo "$n" >"$DATA/cluster-size"
  mem=$(members "$n")
  for ((i = 1; i <= n; i++)); do
    pid=$(running_pid "$i")
    if [[ -n $pid ]]; then
      echo "node $i already running (pid $pid)"
      continue
    fi
    log=$(log_file "$i")
    touch "$log"
    before=$(wc -l <"$log")
    # shellcheck disable=SC2086 # SESHAT_NODE_FLAGS, SESHAT_ARGS: extra flags, word-split on purpose
    nohup node ${SESHAT_NODE_FLAGS:-} "$MAIN" --config "config/node$i.toml" --initial-members "$mem" \
      --dir "$DATA/node$i" --port "$(client_port "$i")" --raft-port "$(raft_port "$i")" \
      ${SESHAT_ARGS:-} >>"$log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$(pid_file "$i")"
    deadline=$((SECONDS + START_TIMEOUT))
    until tail -n +"$((before + 1))" "$log" | grep -q '"msg":"ready"'; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "node $i exited during start; the end of $log:" >&2
        tail -n 20 "$log" >&2
        rm -f "$(pid_file "$i")"
        exit 1
      fi
      if ((SECONDS >= deadline)); then
        echo "node $i not ready after ${START_TIMEOUT}s; see $log" >&2
        exit 1
      fi
      sleep 0.1
    done
    echo "node $i started: pid $pid, clients 127.0.0.1:$(client_port "$i"), raft 127.0.0.1:$(raft_port "$i")"
  done
  if i=$(wait_leader 15); then
    echo "leader: node $i (127.0.0.1:$(client_port "$i"))"
    wait_known_leader "$i" 10 || echo "(some nodes do not know the leader yet: see status)" >&2
  else
    echo "no leader yet (a majority of the $n nodes must be running)" >&2
  fi
  status
}

stop() {
  local i pid pids=() ids=() deadline k
  for ((i = 1; i <= MAX_NODES; i++)); do
    pid=$(running_pid "$i")
    if [[ -n $pid ]]; then
      kill -TERM "$pid"
      pids+=("$pid")
      ids+=("$i")
    else
      rm -f "$(pid_file "$i")"
    fi
  done
  deadline=$((SECONDS + STOP_TIMEOUT))
  for k in "${!pids[@]}"; do
    while kill -0 "${pids[$k]}" 2>/dev/null; do
      if ((SECONDS >= deadline)); then
        echo "node ${ids[$k]} did not stop in ${STOP_TIMEOUT}s: SIGKILL" >&2
        kill -KILL "${pids[$k]}" 2>/dev/null || true
        break
      fi
      sleep 0.1
    done
    rm -f "$(pid_file "${ids[$k]}")"
    echo "node ${ids[$k]} stopped"
  done
  [[ ${#pids[@]} -gt 0 ]] || echo "no node running"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start [N] | stop | status" >&2
    exit 2
    ;;
esac
