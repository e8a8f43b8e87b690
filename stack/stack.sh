#!/usr/bin/env bash
# trailstream's local stack without Docker: OpenSearch (the integ-test zip from
# Maven Central, run with a local JDK) and moto (S3 + SQS) in a virtualenv.
#
#   bash stack/stack.sh up [--nodes N]   install what is missing, start what is not running, create resources
#                                        (--nodes 3: a 3-node OpenSearch cluster instead of the single node)
#   bash stack/stack.sh down [--purge]   stop what `up` started (by pid file); --purge also deletes data and logs
#   bash stack/stack.sh status [--json]  one line per component (or JSON); exit 0 only if all are healthy
#   bash stack/stack.sh node stop|start <name> [--kill]   stop (TERM, or KILL) or start one OpenSearch node
#   bash stack/stack.sh env              the `export NAME='value'` lines for the running stack (stdout only)
#   bash stack/stack.sh logs [opensearch|moto]   tail a component's log
#
# Also: npm run stack -- <command>. Settings (environment variables) are listed in stack/README.md.
set -Eeuo pipefail
umask 022

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
STACK_DIR=${TRAILSTREAM_STACK_DIR:-$ROOT/.stack}
case "$STACK_DIR" in /*) ;; *) STACK_DIR="$ROOT/$STACK_DIR" ;; esac

OS_VERSION=${TRAILSTREAM_OPENSEARCH_VERSION:-2.19.6}
OS_PORT=${TRAILSTREAM_OPENSEARCH_PORT:-9200}
OS_HEAP=${TRAILSTREAM_OPENSEARCH_HEAP:-}
OS_TRANSPORT_PORT=${TRAILSTREAM_OPENSEARCH_TRANSPORT_PORT:-}
OS_TIMEOUT=${TRAILSTREAM_OPENSEARCH_TIMEOUT:-240}
OS_USER=${TRAILSTREAM_OPENSEARCH_USER:-trailstream-os}
MOTO_VERSION=${TRAILSTREAM_MOTO_VERSION:-5.2.5}
MOTO_PORT=${TRAILSTREAM_MOTO_PORT:-5000}
REGION=${TRAILSTREAM_AWS_REGION:-us-east-1}
BUCKET=${TRAILSTREAM_BUCKET:-cloudtrail-logs}
QUEUE=${TRAILSTREAM_QUEUE_NAME:-trailstream}
DLQ=${TRAILSTREAM_DLQ_NAME:-trailstream-dlq}
MAVEN_URL=${TRAILSTREAM_MAVEN_URL:-https://repo1.maven.org/maven2}
HOST=127.0.0.1
OS_ARTIFACT="org.opensearch.distribution.integ-test-zip:opensearch:${OS_VERSION}:zip"

DL_DIR="$STACK_DIR/downloads"
RUN_DIR="$STACK_DIR/run"
LOG_DIR="$STACK_DIR/logs"
VENV="$STACK_DIR/venv"
OS_ZIP="$DL_DIR/opensearch-$OS_VERSION.zip"
# What `up` started: nodes=N, port=<first http port>, transport=<first transport port>, heap.
OS_NODES_FILE="$RUN_DIR/opensearch.nodes"
NODES=1
# Set by select_node for one OpenSearch node: the single node, or one node of the cluster.
OS_PID_FILE="$RUN_DIR/opensearch.pid"
OS_META_FILE="$RUN_DIR/opensearch.meta"
OS_OUT="$LOG_DIR/opensearch.out"
NODE_NAME=trailstream-dev-0 NODE_HTTP=$OS_PORT NODE_TRANSPORT="" NODE_DATA="" NODE_LOGS=""
MOTO_PID_FILE="$RUN_DIR/moto.pid"
MOTO_META_FILE="$RUN_DIR/moto.meta"
MOTO_LOG="$LOG_DIR/moto.log"
ENV_FILE="$RUN_DIR/stack.env"
# OS_BASE (unpacked distribution, data, logs) is $STACK_DIR/opensearch unless
# OpenSearch's unprivileged user cannot reach it; see resolve_os_base.
OS_BASE="$STACK_DIR/opensearch"

# Never exit silently: name the failing command (set -e would just stop).
trap 'printf "stack: error: unexpected failure (exit %s) at %s line %s: %s\n" "$?" "${BASH_SOURCE[0]}" "$LINENO" "$BASH_COMMAND" >&2' ERR

IS_ROOT=false
[[ $(id -u) -eq 0 ]] && IS_ROOT=true

# ---------------------------------------------------------------- helpers ---

log() { printf 'stack: %s\n' "$*" >&2; }
die() {
  printf 'stack: error: %s\n' "$1" >&2
  shift || true
  local line
  for line in "$@"; do printf '       %s\n' "$line" >&2; done
  exit 1
}
now() { date +%s; }
rel() { local p=$1; [[ $p == "$ROOT"/* ]] && p=${p#"$ROOT"/}; printf '%s' "$p"; }

# Print the last lines of a log file to stderr, indented.
tail_log() {
  local file=$1 n=${2:-40}
  if [[ -s $file ]]; then
    printf '       --- last %s lines of %s ---\n' "$n" "$file" >&2
    tail -n "$n" "$file" | sed 's/^/       | /' >&2
  else
    printf '       (%s is empty or missing)\n' "$file" >&2
  fi
}

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time "${2:-3}" "$1" 2>/dev/null || true; }

port_listening() {
  local port=$1
  if command -v ss >/dev/null 2>&1; then
    [[ -n $(ss -Hltn "( sport = :$port )" 2>/dev/null) ]]
  else
    (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null
  fi
}

# Who listens on a port ("java pid 123"), as far as ss can tell.
port_owner() {
  local port=$1 out
  out=$(ss -Hltnp "( sport = :$port )" 2>/dev/null | grep -o 'users:(([^)]*' | head -1 | sed -E 's/users:\(\("([^"]*)",pid=([0-9]+).*/\1 pid \2/') || true
  printf '%s' "${out:-an unknown process}"
}

read_pid() { if [[ -r $1 ]]; then tr -dc '0-9' <"$1" || true; fi; }

# True if pid is alive and its command line contains every marker string.
pid_matches() {
  local pid=$1; shift
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  local cmd
  if [[ -r /proc/$pid/cmdline ]]; then
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  else
    cmd=$(ps -o args= -p "$pid" 2>/dev/null) || return 1
  fi
  local m
  for m in "$@"; do [[ $cmd == *"$m"* ]] || return 1; done
}

meta_get() { if [[ -r $1 ]]; then sed -n "s/^$2=//p" "$1" | head -1 || true; fi; }

# ------------------------------------------------------------------ java ---

# Major version of the JDK/JRE at a java home ("17", "25"), empty if unusable.
java_major() {
  local home=$1 v=""
  [[ -x $home/bin/java ]] || return 0
  if [[ -r $home/release ]]; then
    v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release" | head -1)
  fi
  if [[ -z $v ]]; then
    v=$("$home/bin/java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -1)
  fi
  v=${v#1.}
  printf '%s' "${v%%[.+_-]*}"
}

# OpenSearch 1.x/2.x run on Java 11-23 (they need the SecurityManager, which
# Java 24 removed); 3.x needs Java 21 or newer.
java_range() {
  local major=${OS_VERSION%%.*}
  if ((major >= 3)); then echo "21 999"; else echo "11 23"; fi
}

select_java() {
  local min max
  read -r min max < <(java_range)
  local explicit=${TRAILSTREAM_JAVA_HOME:-}
  if [[ -n $explicit ]]; then
    local m; m=$(java_major "$explicit")
    [[ -n $m ]] || die "TRAILSTREAM_JAVA_HOME=$explicit has no bin/java." "Point it at a JDK $min+ or unset it to pick one automatically."
    ((m >= min && m <= max)) || die "TRAILSTREAM_JAVA_HOME=$explicit is Java $m; OpenSearch $OS_VERSION needs Java $min..$max." \
      "Unset TRAILSTREAM_JAVA_HOME to pick a JDK automatically."
    JAVA_SEL=$explicit JAVA_SEL_MAJOR=$m
    return
  fi
  if [[ -n ${JAVA_HOME:-} ]]; then
    local m; m=$(java_major "$JAVA_HOME")
    if [[ -n $m ]] && ((m >= min && m <= max)); then
      JAVA_SEL=$JAVA_HOME JAVA_SEL_MAJOR=$m
      return
    fi
    log "JAVA_HOME=$JAVA_HOME is ${m:+Java $m}${m:-not a JDK}; OpenSearch $OS_VERSION needs Java $min..$max: looking for another JDK"
  fi
  local cands=() c j
  if j=$(command -v java 2>/dev/null); then
    j=$(readlink -f "$j")
    cands+=("${j%/bin/java}")
  fi
  for c in /usr/lib/jvm/* /opt/java/* /usr/local/java/* /usr/java/*; do
    [[ -x $c/bin/java ]] && cands+=("$(readlink -f "$c")")
  done
  local best="" best_m=0
  for c in "${cands[@]}"; do
    local m; m=$(java_major "$c")
    [[ -n $m ]] || continue
    if ((m >= min && m <= max && m > best_m)); then best=$c best_m=$m; fi
  done
  if [[ -z $best ]]; then
    local found=""
    for c in "${cands[@]}"; do found+=" $c (Java $(java_major "$c"))"; done
    die "no suitable Java for OpenSearch $OS_VERSION (needs Java $min..$max); found:${found:- none}." \
      "Install one (e.g. apt-get install openjdk-17-jdk-headless for 2.x, a JDK 21+ for 3.x)" \
      "or set TRAILSTREAM_JAVA_HOME to its directory."
  fi
  JAVA_SEL=$best JAVA_SEL_MAJOR=$best_m
}

# --------------------------------------------------------- opensearch user ---

as_os_user() { setpriv --reuid="$OS_USER" --regid="$OS_USER" --init-groups -- "$@"; }

ensure_os_user() {
  $IS_ROOT || return 0
  command -v setpriv >/dev/null || die "running as root needs setpriv (util-linux) to start OpenSearch as $OS_USER."
  if ! id -u "$OS_USER" >/dev/null 2>&1; then
    command -v useradd >/dev/null || die "OpenSearch refuses to run as root and useradd is missing to create user $OS_USER." \
      "Create a system user $OS_USER yourself, or run the stack as a non-root user."
    log "creating system user $OS_USER (OpenSearch refuses to run as root)"
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$OS_USER" 2>/dev/null ||
      id -u "$OS_USER" >/dev/null 2>&1 || die "could not create system user $OS_USER (useradd failed)."
  fi
}

# When root runs the stack from a directory the unprivileged user cannot reach
# (a checkout under /root, say), OpenSearch's files go to /var/lib instead; the
# download cache, pid files and the rest stay in .stack.
resolve_os_base() {
  OS_BASE="$STACK_DIR/opensearch"
  $IS_ROOT || return 0
  id -u "$OS_USER" >/dev/null 2>&1 || return 0
  if [[ -d $STACK_DIR ]] && ! as_os_user test -x "$STACK_DIR" 2>/dev/null; then
    chmod a+x "$STACK_DIR" 2>/dev/null || true
  fi
  if [[ -d $STACK_DIR ]] && ! as_os_user test -x "$STACK_DIR" 2>/dev/null; then
    local h; h=$(printf '%s' "$STACK_DIR" | sha1sum | cut -c1-12)
    OS_BASE="/var/lib/trailstream-stack/$h/opensearch"
  fi
}

# ------------------------------------------------------------ opensearch ---

os_home() { printf '%s/opensearch-%s' "$OS_BASE" "$OS_VERSION"; }
os_data() { printf '%s/data/%s' "$OS_BASE" "$OS_VERSION"; }
os_marker() { printf '%s' "-Dopensearch.path.home=$OS_BASE/opensearch-"; }

download_opensearch() {
  [[ -s $OS_ZIP ]] && return 0
  mkdir -p "$DL_DIR" "$LOG_DIR"
  local dlog="$LOG_DIR/download.log" tmpdir="$DL_DIR/.mvn.$$"
  : >"$dlog"
  log "downloading OpenSearch $OS_VERSION ($OS_ARTIFACT)"
  if command -v mvn >/dev/null 2>&1; then
    rm -rf "$tmpdir"
    # dependency:copy = dependency:get (into ~/.m2, reused across checkouts) + a copy here.
    local -a repo=()
    [[ -n ${TRAILSTREAM_MAVEN_REPO_LOCAL:-} ]] && repo=(-Dmaven.repo.local="$TRAILSTREAM_MAVEN_REPO_LOCAL")
    if mvn -B -q "${repo[@]}" dependency:copy \
        -Dartifact="$OS_ARTIFACT" -DoutputDirectory="$tmpdir" -Dtransitive=false </dev/null >>"$dlog" 2>&1 &&
      [[ -s $tmpdir/opensearch-$OS_VERSION.zip ]]; then
      mv "$tmpdir/opensearch-$OS_VERSION.zip" "$OS_ZIP.part"
    else
      log "mvn could not fetch $OS_ARTIFACT (see $(rel "$dlog")); trying Maven Central over HTTPS"
    fi
    rm -rf "$tmpdir"
  fi
  if [[ ! -s $OS_ZIP.part ]]; then
    local path="org/opensearch/distribution/integ-test-zip/opensearch/$OS_VERSION/opensearch-$OS_VERSION.zip"
    if ! curl -fsSL --retry 3 --retry-delay 2 --connect-timeout 20 -o "$OS_ZIP.part" "$MAVEN_URL/$path" 2>>"$dlog"; then
      rm -f "$OS_ZIP.part"
      tail_log "$dlog" 15
      die "could not download OpenSearch $OS_VERSION ($OS_ARTIFACT) from Maven Central ($MAVEN_URL/$path)." \
        "Check the network or the version (TRAILSTREAM_OPENSEARCH_VERSION; e.g. 2.19.4, 2.19.6, 3.3.0 exist)," \
        "or put the zip at $OS_ZIP yourself."
    fi
    local sha
    if sha=$(curl -fsS --retry 2 "$MAVEN_URL/$path.sha1" 2>/dev/null) && [[ -n $sha ]]; then
      [[ $(sha1sum "$OS_ZIP.part" | cut -d' ' -f1) == "${sha:0:40}" ]] || {
        rm -f "$OS_ZIP.part"; die "checksum mismatch for the downloaded $path; try again."; }
    fi
  fi
  if command -v unzip >/dev/null 2>&1 && ! unzip -tq "$OS_ZIP.part" >/dev/null 2>&1; then
    rm -f "$OS_ZIP.part"
    die "the downloaded OpenSearch zip is corrupt; run up again to download it anew."
  fi
  mv "$OS_ZIP.part" "$OS_ZIP"
}

unpack_opensearch() {
  local home; home=$(os_home)
  [[ -x $home/bin/opensearch && -f $home/.trailstream-unpacked ]] && return 0
  log "unpacking $(rel "$OS_ZIP") to $(rel "$home")"
  local tmp="$OS_BASE/.unpack.$$"
  rm -rf "$tmp" "$home"
  mkdir -p "$tmp"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q "$OS_ZIP" -d "$tmp"
  else
    python3 -m zipfile -e "$OS_ZIP" "$tmp" && chmod a+x "$tmp/opensearch-$OS_VERSION"/bin/*
  fi
  [[ -x $tmp/opensearch-$OS_VERSION/bin/opensearch ]] || { rm -rf "$tmp"; die "$(rel "$OS_ZIP") does not hold opensearch-$OS_VERSION/bin/opensearch; delete it and run up again."; }
  mv "$tmp/opensearch-$OS_VERSION" "$home"
  rmdir "$tmp"
  touch "$home/.trailstream-unpacked"
}

# Give the unprivileged user what OpenSearch writes to (its home holds config/ and logs/gc.log).
own_os_dirs() {
  $IS_ROOT || return 0
  local d
  for d in "$@"; do
    if [[ $(stat -c %U "$d") != "$OS_USER" ]] || [[ -n $(find "$d" ! -user "$OS_USER" -print -quit 2>/dev/null) ]]; then
      chown -R "$OS_USER:$OS_USER" "$d"
    fi
  done
}

# Another checkout's stack (same machine, same ports) is reused rather than
# reported as a foreign process when it is recognisably one: a cluster named
# trailstream-dev of the configured version, a server answering moto's API.
# `down` here leaves it alone. TRAILSTREAM_STACK_SHARE=0 turns this off.
share_allowed() { [[ ${TRAILSTREAM_STACK_SHARE:-1} != 0 ]]; }
os_is_shared_compatible() {
  ((NODES == 1)) || return 1
  local body
  body=$(curl -s --max-time 3 "http://$HOST:$NODE_HTTP/" 2>/dev/null | tr -d '\n ' || true)
  [[ $body == *'"cluster_name":"trailstream-dev"'* && $body == *"\"number\":\"$OS_VERSION\""* ]]
}

# ours (pid file + process match) | shared (see above) | foreign | free
os_port_state() {
  if os_running_pid >/dev/null; then echo ours
  elif ! port_listening "$NODE_HTTP" && { [[ -z $NODE_TRANSPORT ]] || ! port_listening "$NODE_TRANSPORT"; }; then echo free
  elif share_allowed && os_is_shared_compatible; then echo shared
  else echo foreign; fi
}

die_port_taken() {
  local what=$1 port=$2 var=$3
  die "port $port (for $what) is in use by $(port_owner "$port"), which this stack did not start." \
    "Stop that process, or set $var to a free port."
}

# ----------------------------------------------------------------- nodes ---

# The recorded cluster shape (what `up` started), or the configured one.
load_nodes() {
  if [[ -r $OS_NODES_FILE ]]; then
    local n p t h
    n=$(meta_get "$OS_NODES_FILE" nodes) p=$(meta_get "$OS_NODES_FILE" port)
    t=$(meta_get "$OS_NODES_FILE" transport) h=$(meta_get "$OS_NODES_FILE" heap)
    NODES=${n:-1} OS_PORT=${p:-$OS_PORT} OS_TRANSPORT_PORT=${t:-$OS_TRANSPORT_PORT} OS_HEAP=${OS_HEAP:-$h}
  fi
}

default_heap() { if ((NODES == 1)); then printf 1g; else printf 512m; fi; }

node_names() { local i; for ((i = 0; i < NODES; i++)); do printf 'trailstream-dev-%s\n' "$i"; done; }

# Sets NODE_* and the OS_* file names for node i. The single node keeps the
# file names it always had; cluster nodes get their own pid, log, data and
# path.logs directories, and explicit transport ports (first transport port +
# i; default: first http port + 100), because the automatic 9300-9400 range
# is shared with every other OpenSearch on the machine.
select_node() {
  local i=$1
  NODE_NAME="trailstream-dev-$i"
  if ((NODES == 1)); then
    NODE_HTTP=$OS_PORT NODE_TRANSPORT=$OS_TRANSPORT_PORT
    OS_PID_FILE="$RUN_DIR/opensearch.pid" OS_META_FILE="$RUN_DIR/opensearch.meta" OS_OUT="$LOG_DIR/opensearch.out"
    NODE_DATA=$(os_data) NODE_LOGS="$OS_BASE/logs"
  else
    NODE_HTTP=$((OS_PORT + i)) NODE_TRANSPORT=$((${OS_TRANSPORT_PORT:-$((OS_PORT + 100))} + i))
    OS_PID_FILE="$RUN_DIR/opensearch-$NODE_NAME.pid" OS_META_FILE="$RUN_DIR/opensearch-$NODE_NAME.meta"
    OS_OUT="$LOG_DIR/opensearch-$NODE_NAME.out"
    NODE_DATA="$(os_data)-cluster/$NODE_NAME" NODE_LOGS="$OS_BASE/logs/$NODE_NAME"
  fi
}

# Node index by name ("trailstream-dev-2" or just "2").
node_index() {
  local name=$1 i
  for ((i = 0; i < NODES; i++)); do
    [[ $name == "trailstream-dev-$i" || $name == "$i" ]] && { printf '%s' "$i"; return 0; }
  done
  die "no node named '$name'; the stack's nodes are: $(node_names | tr '\n' ' ')" "See: npm run stack -- status"
}

# http://host:port of every node, comma-separated (OPENSEARCH_URL).
node_urls() {
  local i out=""
  for ((i = 0; i < NODES; i++)); do select_node "$i"; out+="${out:+,}http://$HOST:$NODE_HTTP"; done
  printf '%s' "$out"
}

# ------------------------------------------------------ opensearch nodes ---

os_running_pid() {
  local pid; pid=$(read_pid "$OS_PID_FILE")
  pid_matches "$pid" "org.opensearch.bootstrap.OpenSearch" "$(os_marker)" && printf '%s' "$pid"
}

# Prepares the distribution (once) before any node starts.
prepare_opensearch() {
  [[ -n ${JAVA_SEL:-} ]] && return 0
  select_java
  download_opensearch
  mkdir -p "$OS_BASE"
  unpack_opensearch
}

# Starts the selected node (select_node) unless it runs; does not wait for it.
start_opensearch() {
  local pid
  if pid=$(os_running_pid); then
    local rv rp
    rv=$(meta_get "$OS_META_FILE" version) rp=$(meta_get "$OS_META_FILE" port)
    if [[ $rv != "$OS_VERSION" || $rp != "$NODE_HTTP" ]]; then
      die "OpenSearch $rv is running on port $rp (pid $pid), but $OS_VERSION on port $NODE_HTTP is configured." \
        "Run 'npm run stack -- down' first to switch."
    fi
    log "OpenSearch $OS_VERSION $NODE_NAME already running (pid $pid, port $NODE_HTTP)"
    return 0
  fi
  rm -f "$OS_PID_FILE"
  case $(os_port_state) in
    shared)
      log "reusing the trailstream OpenSearch $OS_VERSION on port $NODE_HTTP ($(port_owner "$NODE_HTTP")), started by another checkout; 'down' here leaves it running"
      OS_SHARED=true
      return 0 ;;
    foreign)
      if port_listening "$NODE_HTTP"; then die_port_taken "OpenSearch $NODE_NAME" "$NODE_HTTP" TRAILSTREAM_OPENSEARCH_PORT; fi
      die_port_taken "OpenSearch $NODE_NAME (transport)" "$NODE_TRANSPORT" TRAILSTREAM_OPENSEARCH_TRANSPORT_PORT ;;
  esac

  prepare_opensearch
  local home data logs tmp heap
  home=$(os_home) data=$NODE_DATA logs=$NODE_LOGS tmp="$OS_BASE/tmp" heap=${OS_HEAP:-$(default_heap)}
  mkdir -p "$data" "$logs" "$tmp" "$LOG_DIR" "$RUN_DIR"
  own_os_dirs "$home" "$data" "$logs" "$tmp"
  if $IS_ROOT && ! as_os_user test -w "$data"; then
    die "user $OS_USER cannot write $data." "Check the permissions of its parent directories."
  fi

  local -a runas=() topology=()
  $IS_ROOT && runas=(setpriv --reuid="$OS_USER" --regid="$OS_USER" --init-groups --)
  if ((NODES == 1)); then
    topology=(-E discovery.type=single-node)
    [[ -n $NODE_TRANSPORT ]] && topology+=(-E transport.port="$NODE_TRANSPORT")
  else
    local i seeds="" managers="" first=${OS_TRANSPORT_PORT:-$((OS_PORT + 100))}
    for ((i = 0; i < NODES; i++)); do
      seeds+="${seeds:+,}$HOST:$((first + i))" managers+="${managers:+,}trailstream-dev-$i"
    done
    # Every node is cluster-manager-eligible and holds data. The initial
    # cluster-manager list only matters the first time the cluster forms.
    topology=(-E transport.port="$NODE_TRANSPORT" -E discovery.seed_hosts="$seeds"
      -E cluster.initial_cluster_manager_nodes="$managers")
  fi
  log "starting OpenSearch $OS_VERSION $NODE_NAME on $HOST:$NODE_HTTP${NODE_TRANSPORT:+ (transport $NODE_TRANSPORT)} (Java $JAVA_SEL_MAJOR at $JAVA_SEL, heap $heap$($IS_ROOT && printf ', as user %s' "$OS_USER"))"
  {
    printf '=== %s: starting OpenSearch %s %s (Java %s at %s)\n' "$(date -u +%FT%TZ)" "$OS_VERSION" "$NODE_NAME" "$JAVA_SEL_MAJOR" "$JAVA_SEL"
  } >>"$OS_OUT"
  # setsid (no fork: this shell has no job control), setpriv and env all exec,
  # and bin/opensearch execs java, so $! is the JVM's pid.
  (
    cd "$home"
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    exec setsid "${runas[@]}" env -i \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME="$OS_BASE" LANG=C.UTF-8 \
      JAVA_HOME="$JAVA_SEL" OPENSEARCH_JAVA_HOME="$JAVA_SEL" \
      OPENSEARCH_JAVA_OPTS="-Xms$heap -Xmx$heap -XX:HeapDumpPath=$data" \
      OPENSEARCH_TMPDIR="$tmp" OPENSEARCH_PATH_CONF="$home/config" \
      "$home/bin/opensearch" \
      -E cluster.name=trailstream-dev -E node.name="$NODE_NAME" \
      "${topology[@]}" -E network.host="$HOST" -E http.port="$NODE_HTTP" \
      -E path.data="$data" -E path.logs="$logs" \
      -E cluster.routing.allocation.disk.threshold_enabled=false \
      -E bootstrap.memory_lock=false
  ) </dev/null >>"$OS_OUT" 2>&1 9>&- &
  pid=$!
  printf '%s\n' "$pid" >"$OS_PID_FILE"
  printf 'version=%s\nport=%s\ntransport=%s\nname=%s\nhome=%s\ndata=%s\njava=%s\nheap=%s\n' \
    "$OS_VERSION" "$NODE_HTTP" "$NODE_TRANSPORT" "$NODE_NAME" "$home" "$data" "$JAVA_SEL" "$heap" >"$OS_META_FILE"
}

os_get() { curl -s --max-time "${2:-3}" "http://$HOST:$NODE_HTTP$1" 2>/dev/null || true; }
os_health() { os_get /_cluster/health | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p' || true; }
os_node_count() { os_get /_cluster/health | sed -n 's/.*"number_of_nodes":\([0-9]*\).*/\1/p' || true; }
os_version_running() { os_get / | tr -d '\n ' | sed -n 's/.*"number":"\([^"]*\)".*/\1/p' || true; }
# The elected cluster manager's name, as the selected node sees it.
os_cluster_manager() { os_get '/_cat/cluster_manager?h=node' | tr -d ' \n' || true; }

# Waits for the selected node to answer and the cluster to be yellow/green
# with all NODES nodes in it.
wait_opensearch() {
  local start; start=$(now)
  local pid; pid=$(read_pid "$OS_PID_FILE")
  $OS_SHARED && pid=""
  while :; do
    local h; h=$(os_health)
    if [[ $h == green || $h == yellow ]] && { ((NODES == 1)) || [[ $(os_node_count) == "$NODES" ]]; }; then
      local v; v=$(os_version_running)
      [[ $v == "$OS_VERSION" ]] || die "OpenSearch on port $NODE_HTTP reports version '${v:-?}', expected $OS_VERSION."
      OS_HEALTH=$h
      return 0
    fi
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$OS_PID_FILE"
      tail_log "$OS_OUT" 40
      die "OpenSearch $OS_VERSION $NODE_NAME exited during startup (log: $(rel "$OS_OUT"), node logs in $(rel "$NODE_LOGS"))."
    fi
    if (($(now) - start >= OS_TIMEOUT)); then
      tail_log "$OS_OUT" 40
      die "OpenSearch $NODE_NAME did not reach yellow/green health$( ((NODES > 1)) && printf ' with %s nodes' "$NODES") on $HOST:$NODE_HTTP within ${OS_TIMEOUT}s (pid ${pid:-shared} still running)." \
        "See $(rel "$OS_OUT"); raise TRAILSTREAM_OPENSEARCH_TIMEOUT if the machine is just slow."
    fi
    sleep 1
  done
}

# ------------------------------------------------------------------ moto ---

moto_port_state() {
  if moto_running_pid >/dev/null; then echo ours
  elif ! port_listening "$MOTO_PORT"; then echo free
  elif share_allowed && moto_ok; then echo shared
  else echo foreign; fi
}

moto_running_pid() {
  local pid; pid=$(read_pid "$MOTO_PID_FILE")
  pid_matches "$pid" "moto.server" "$VENV/" && printf '%s' "$pid"
}

ensure_venv() {
  if [[ -x $VENV/bin/python && $(cat "$VENV/.trailstream-moto" 2>/dev/null) == "$MOTO_VERSION" ]]; then
    return 0
  fi
  command -v python3 >/dev/null || die "python3 is missing; moto (S3/SQS) needs Python 3.9+ with the venv module."
  mkdir -p "$LOG_DIR"
  local plog="$LOG_DIR/pip.log"
  log "installing moto[server]==$MOTO_VERSION into $(rel "$VENV") (log: $(rel "$plog"))"
  rm -rf "$VENV"
  python3 -m venv "$VENV" >"$plog" 2>&1 || { tail_log "$plog" 10; rm -rf "$VENV"
    die "python3 -m venv failed; install the venv module (Debian/Ubuntu: apt-get install python3-venv)."; }
  if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q \
      "moto[server]==$MOTO_VERSION" </dev/null >>"$plog" 2>&1; then
    tail_log "$plog" 20
    die "pip could not install moto[server]==$MOTO_VERSION into $(rel "$VENV")." "Check network access to PyPI (or pip's index settings), then run up again."
  fi
  printf '%s\n' "$MOTO_VERSION" >"$VENV/.trailstream-moto"
}

start_moto() {
  local pid
  if pid=$(moto_running_pid); then
    local rp; rp=$(meta_get "$MOTO_META_FILE" port)
    if [[ $rp != "$MOTO_PORT" ]]; then
      die "moto is running on port $rp (pid $pid), but port $MOTO_PORT is configured." "Run 'npm run stack -- down' first."
    fi
    log "moto already running (pid $pid, port $MOTO_PORT)"
    return 0
  fi
  rm -f "$MOTO_PID_FILE"
  case $(moto_port_state) in
    shared)
      log "reusing the moto server on port $MOTO_PORT ($(port_owner "$MOTO_PORT")), started by another checkout; 'down' here leaves it running"
      MOTO_SHARED=true
      return 0 ;;
    foreign) die_port_taken moto "$MOTO_PORT" TRAILSTREAM_MOTO_PORT ;;
  esac
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  log "starting moto $MOTO_VERSION on $HOST:$MOTO_PORT"
  printf '=== %s: starting moto %s\n' "$(date -u +%FT%TZ)" "$MOTO_VERSION" >"$MOTO_LOG"
  (
    cd "$STACK_DIR"
    exec setsid env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE PYTHONUNBUFFERED=1 \
      "$VENV/bin/python" -m moto.server -H "$HOST" -p "$MOTO_PORT"
  ) </dev/null >>"$MOTO_LOG" 2>&1 9>&- &
  pid=$!
  printf '%s\n' "$pid" >"$MOTO_PID_FILE"
  printf 'version=%s\nport=%s\n' "$MOTO_VERSION" "$MOTO_PORT" >"$MOTO_META_FILE"
}

moto_ok() { [[ $(http_code "http://$HOST:$MOTO_PORT/moto-api/" 3) == 200 ]]; }

wait_moto() {
  local start pid
  start=$(now) pid=$(read_pid "$MOTO_PID_FILE")
  $MOTO_SHARED && pid=""
  until moto_ok; do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$MOTO_PID_FILE"; tail_log "$MOTO_LOG" 30
      die "moto exited during startup (log: $(rel "$MOTO_LOG"))."
    fi
    if (($(now) - start >= 60)); then
      tail_log "$MOTO_LOG" 30
      die "moto did not answer on $HOST:$MOTO_PORT within 60s (pid $pid)."
    fi
    sleep 0.3
  done
}

create_resources() {
  local out="$RUN_DIR/resources.env"
  if ! AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test "$VENV/bin/python" "$SCRIPT_DIR/create_resources.py" \
      --endpoint "http://$HOST:$MOTO_PORT" --region "$REGION" --bucket "$BUCKET" \
      --queue "$QUEUE" --dlq "$DLQ" --format env >"$out.tmp" 2>"$LOG_DIR/resources.log"; then
    tail_log "$LOG_DIR/resources.log" 20
    die "creating the bucket and queues on moto failed (log: $(rel "$LOG_DIR/resources.log"))."
  fi
  mv "$out.tmp" "$out"
  local queue_url dlq_url
  queue_url=$(sed -n "s/^export TRAILSTREAM_QUEUE_URL='\(.*\)'$/\1/p" "$out")
  dlq_url=$(sed -n "s/^export TRAILSTREAM_DLQ_URL='\(.*\)'$/\1/p" "$out")
  {
    printf "export OPENSEARCH_URL='%s'\n" "$(node_urls)"
    printf "export AWS_ENDPOINT_URL='http://%s:%s'\n" "$HOST" "$MOTO_PORT"
    printf "export AWS_REGION='%s'\n" "$REGION"
    printf "export AWS_ACCESS_KEY_ID='test'\n"
    printf "export AWS_SECRET_ACCESS_KEY='test'\n"
    printf "export TRAILSTREAM_QUEUE_URL='%s'\n" "$queue_url"
    printf "export TRAILSTREAM_DLQ_URL='%s'\n" "$dlq_url"
    printf "export TRAILSTREAM_BUCKET='%s'\n" "$BUCKET"
  } >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  QUEUE_URL=$queue_url DLQ_URL=$dlq_url
}

# -------------------------------------------------------------- commands ---

lock() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/lock"
  if ! flock -n 9; then
    log "another stack command is running; waiting for it"
    flock -w 900 9 || die "timed out waiting for the lock $(rel "$RUN_DIR/lock")."
  fi
}

cmd_up() {
  local t0 want_nodes=""; t0=$(now)
  while (($#)); do
    case $1 in
      --nodes) [[ ${2:-} =~ ^[1-9]$ ]] || die "up: --nodes needs a number of nodes from 1 to 9 (got '${2:-}')."; want_nodes=$2; shift 2 ;;
      --nodes=*) want_nodes=${1#--nodes=}; [[ $want_nodes =~ ^[1-9]$ ]] || die "up: --nodes needs a number of nodes from 1 to 9."; shift ;;
      *) die "up: unknown option '$1' (only --nodes N)" ;;
    esac
  done
  command -v curl >/dev/null || die "curl is missing (apt-get install curl)."
  mkdir -p "$DL_DIR" "$RUN_DIR" "$LOG_DIR"
  lock
  ensure_os_user
  resolve_os_base
  [[ $OS_BASE == "$STACK_DIR/opensearch" ]] ||
    log "user $OS_USER cannot reach $STACK_DIR; OpenSearch's files live in $OS_BASE"
  # A running stack keeps its shape: switching between one node and a cluster needs a down first.
  local running_nodes=0 i
  if [[ -r $OS_NODES_FILE ]]; then
    load_nodes
    for ((i = 0; i < NODES; i++)); do select_node "$i"; os_running_pid >/dev/null && running_nodes=$((running_nodes + 1)); done
    if ((running_nodes > 0)) && [[ -n $want_nodes && $want_nodes != "$NODES" ]]; then
      die "the stack runs $NODES OpenSearch node(s); up --nodes $want_nodes would change that." "Run 'npm run stack -- down' first."
    fi
  fi
  ((running_nodes > 0)) || NODES=${want_nodes:-1}
  # The recorded shape is what is running; the configured ports/heap apply otherwise.
  if ((running_nodes == 0)); then
    OS_PORT=${TRAILSTREAM_OPENSEARCH_PORT:-9200} OS_TRANSPORT_PORT=${TRAILSTREAM_OPENSEARCH_TRANSPORT_PORT:-} OS_HEAP=${TRAILSTREAM_OPENSEARCH_HEAP:-}
  fi
  printf 'nodes=%s\nport=%s\ntransport=%s\nheap=%s\n' "$NODES" "$OS_PORT" "$OS_TRANSPORT_PORT" "${OS_HEAP:-$(default_heap)}" >"$OS_NODES_FILE"
  OS_SHARED=false MOTO_SHARED=false
  # Fail before starting anything if a port is taken by something else.
  [[ $(moto_port_state) == foreign ]] && die_port_taken moto "$MOTO_PORT" TRAILSTREAM_MOTO_PORT
  for ((i = 0; i < NODES; i++)); do
    select_node "$i"
    start_opensearch        # returns without waiting: OpenSearch boots while moto installs
  done
  ensure_venv               # also needed with a shared moto: create_resources.py runs on its boto3
  start_moto
  wait_moto
  create_resources
  for ((i = 0; i < NODES; i++)); do select_node "$i"; wait_opensearch; done
  local moto_pid
  moto_pid=$(read_pid "$MOTO_PID_FILE")
  $MOTO_SHARED && moto_pid="(shared, $(port_owner "$MOTO_PORT"))"
  printf 'trailstream stack is up (%ss)\n' "$(($(now) - t0))"
  for ((i = 0; i < NODES; i++)); do
    select_node "$i"
    local os_pid; os_pid=$(read_pid "$OS_PID_FILE")
    $OS_SHARED && os_pid="(shared, $(port_owner "$NODE_HTTP"))"
    if ((NODES == 1)); then
      printf '  opensearch %-7s http://%s:%s  pid %s  health %s\n' "$OS_VERSION" "$HOST" "$NODE_HTTP" "$os_pid" "$OS_HEALTH"
    else
      printf '  opensearch %-7s %s http://%s:%s (transport %s)  pid %s  health %s\n' "$OS_VERSION" "$NODE_NAME" "$HOST" "$NODE_HTTP" "$NODE_TRANSPORT" "$os_pid" "$OS_HEALTH"
    fi
  done
  printf '  moto       %-7s http://%s:%s  pid %s\n' "$MOTO_VERSION" "$HOST" "$MOTO_PORT" "$moto_pid"
  printf '  bucket %s -> queue %s (dlq %s)\n' "$BUCKET" "$QUEUE_URL" "$DLQ_URL"
  # shellcheck disable=SC2016 # printed for the user to run
  printf '  load the environment: eval "$(npm run -s stack -- env)"\n'
}

# Stop one component by its pid file: TERM, then KILL after a timeout.
stop_pid() {
  local name=$1 pidfile=$2 timeout=$3; shift 3
  local pid; pid=$(read_pid "$pidfile")
  if [[ -z $pid ]]; then
    log "$name: not running (no pid file)"
    rm -f "$pidfile"
    return 0
  fi
  if ! pid_matches "$pid" "$@"; then
    log "$name: pid $pid from $(rel "$pidfile") is not running (or is another program); removing the stale pid file"
    rm -f "$pidfile"
    return 0
  fi
  log "$name: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || die "could not signal $name (pid $pid); was it started by another user?"
  local deadline=$(($(now) + timeout))
  while kill -0 "$pid" 2>/dev/null && (($(now) < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name: still running after ${timeout}s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    local _
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  kill -0 "$pid" 2>/dev/null && die "$name (pid $pid) did not exit."
  rm -f "$pidfile"
  log "$name: stopped"
}

cmd_down() {
  local purge=false
  case "${1:-}" in
    "") ;;
    --purge) purge=true ;;
    *) die "down: unknown option '$1' (only --purge)" ;;
  esac
  [[ -d $STACK_DIR ]] || { log "nothing to stop ($(rel "$STACK_DIR") does not exist)"; return 0; }
  lock
  resolve_os_base
  load_nodes
  local t0 i; t0=$(now)
  stop_pid moto "$MOTO_PID_FILE" 10 "moto.server" "$VENV/"
  # All nodes at once (TERM), then wait for each: a cluster shuts down as fast as one node.
  local -a signalled=()
  for ((i = 0; i < NODES; i++)); do
    select_node "$i"
    local pid; pid=$(read_pid "$OS_PID_FILE")
    signalled[i]=""
    if pid_matches "$pid" "org.opensearch.bootstrap.OpenSearch" "$(os_marker)" && kill -TERM "$pid" 2>/dev/null; then signalled[i]=$pid; fi
  done
  for ((i = 0; i < NODES; i++)); do
    select_node "$i"
    local label=opensearch; ((NODES > 1)) && label=$NODE_NAME
    if [[ -n ${signalled[i]} ]] && ! kill -0 "${signalled[i]}" 2>/dev/null; then
      rm -f "$OS_PID_FILE"
      log "$label: stopped"
      continue
    fi
    stop_pid "$label" "$OS_PID_FILE" 60 "org.opensearch.bootstrap.OpenSearch" "$(os_marker)"
  done
  if $purge; then
    log "deleting OpenSearch data and logs in $(rel "$OS_BASE") and $(rel "$LOG_DIR")"
    rm -rf "$OS_BASE/data" "$OS_BASE/logs" "$OS_BASE/tmp" "$LOG_DIR"
    rm -f "$ENV_FILE" "$RUN_DIR/resources.env" "$OS_NODES_FILE"
  fi
  log "stack is down ($(($(now) - t0))s)"
}

# `node stop <name> [--kill]` / `node start <name>`: one node of the running stack.
cmd_node() {
  local action=${1:-} name=${2:-} kill=false
  [[ $action == stop || $action == start ]] && [[ -n $name ]] ||
    die "usage: node stop|start <name> [--kill]   (names: see 'npm run stack -- status')"
  case "${3:-}" in
    "") ;;
    --kill) [[ $action == stop ]] || die "node start takes no --kill"; kill=true ;;
    *) die "node: unknown option '$3' (only --kill)" ;;
  esac
  resolve_os_base
  [[ -r $OS_NODES_FILE ]] || die "the stack has not been brought up here yet." "Run: npm run stack -- up [--nodes 3]"
  load_nodes
  local i; i=$(node_index "$name")
  select_node "$i"
  local t0; t0=$(now)
  if [[ $action == stop ]]; then
    local pid; pid=$(read_pid "$OS_PID_FILE")
    if ! pid_matches "$pid" "org.opensearch.bootstrap.OpenSearch" "$(os_marker)"; then
      log "$NODE_NAME: not running"
      rm -f "$OS_PID_FILE"
      return 0
    fi
    if $kill; then
      log "$NODE_NAME: sending KILL to pid $pid"
      kill -KILL "$pid" 2>/dev/null || die "could not signal $NODE_NAME (pid $pid)."
      local _
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && die "$NODE_NAME (pid $pid) did not exit after KILL."
      rm -f "$OS_PID_FILE"
      log "$NODE_NAME: killed ($(($(now) - t0))s)"
    else
      stop_pid "$NODE_NAME" "$OS_PID_FILE" 60 "org.opensearch.bootstrap.OpenSearch" "$(os_marker)"
    fi
    return 0
  fi
  OS_SHARED=false
  if os_running_pid >/dev/null; then
    log "$NODE_NAME: already running (pid $(read_pid "$OS_PID_FILE"))"
    return 0
  fi
  start_opensearch
  # The node is back once it answers and the cluster counts it again (a
  # cluster that lost its quorum turns yellow/green only when enough nodes are back).
  local start; start=$(now)
  local pid; pid=$(read_pid "$OS_PID_FILE")
  until [[ -n $(os_version_running) ]] && { ((NODES == 1)) || os_get '/_cat/nodes?h=name' | grep -qx "$NODE_NAME"; }; do
    kill -0 "$pid" 2>/dev/null || { rm -f "$OS_PID_FILE"; tail_log "$OS_OUT" 40; die "$NODE_NAME exited during startup (log: $(rel "$OS_OUT"))."; }
    (($(now) - start < OS_TIMEOUT)) || { tail_log "$OS_OUT" 40; die "$NODE_NAME did not join within ${OS_TIMEOUT}s (pid $pid still running)."; }
    sleep 0.5
  done
  log "$NODE_NAME: up (pid $pid, $(($(now) - t0))s)"
}

# One status line: component, state, pid, url, detail.
status_line() { printf '%-19s %-10s %-22s %-24s %s\n' "$@"; }

json_str() { local v=${1//\\/\\\\}; v=${v//\"/\\\"}; printf '"%s"' "$v"; }

cmd_status() {
  local json=false
  case "${1:-}" in
    "") ;;
    --json) json=true ;;
    *) die "status: unknown option '$1' (only --json)" ;;
  esac
  resolve_os_base
  load_nodes
  local ok=true pid h v url i manager="" health="" nodes_json=""
  # The elected cluster manager and health, as the first answering node sees them.
  for ((i = 0; i < NODES; i++)); do
    select_node "$i"
    h=$(os_health)
    if [[ -n $h ]]; then health=$h; ((NODES > 1)) && manager=$(os_cluster_manager); break; fi
  done
  for ((i = 0; i < NODES; i++)); do
    select_node "$i"
    url="http://$HOST:$NODE_HTTP"
    local label="opensearch"; ((NODES > 1)) && label=$NODE_NAME
    local state detail up=false
    h=$(os_health)
    if pid=$(os_running_pid) || { port_listening "$NODE_HTTP" && share_allowed && os_is_shared_compatible && pid="shared:$(port_owner "$NODE_HTTP" | tr ' ' '-')"; }; then
      v=$(os_version_running)
      if [[ -n $v ]] && { ((NODES > 1)) || [[ $h == green || $h == yellow ]]; }; then
        state=up up=true detail="version $v, health ${h:-unknown}"
        [[ $manager == "$NODE_NAME" ]] && detail+=", cluster manager"
      else
        state=unhealthy detail="no yellow/green health yet (starting? see $(rel "$OS_OUT"))"
        ok=false
      fi
    elif port_listening "$NODE_HTTP"; then
      pid=- state=down detail="port taken by $(port_owner "$NODE_HTTP"), not started by this stack"; ok=false
    else
      pid=- state=down detail="not running"; ok=false
    fi
    if $json; then
      local p=null; [[ $pid =~ ^[0-9]+$ ]] && p=$pid
      nodes_json+="${nodes_json:+,}{\"name\":$(json_str "$NODE_NAME"),\"pid\":$p,\"httpPort\":$NODE_HTTP,\"transportPort\":${NODE_TRANSPORT:-null},\"url\":$(json_str "$url"),\"state\":\"$state\",\"up\":$up,\"clusterManager\":$([[ $manager == "$NODE_NAME" || ( $NODES == 1 && $up == true ) ]] && echo true || echo false)}"
    else
      status_line "$label" "$state" "$pid" "$url" "$detail"
    fi
  done
  if ((NODES > 1)) && [[ $health != green && $health != yellow ]]; then ok=false; fi

  local port; port=$(meta_get "$MOTO_META_FILE" port) && MOTO_PORT=${port:-$MOTO_PORT}
  url="http://$HOST:$MOTO_PORT"
  local mstate mdetail
  if pid=$(moto_running_pid) || { port_listening "$MOTO_PORT" && share_allowed && moto_ok && pid="shared:$(port_owner "$MOTO_PORT" | tr ' ' '-')"; }; then
    if ! moto_ok; then
      mstate=unhealthy mdetail="not answering (see $(rel "$MOTO_LOG"))"; ok=false
    elif [[ $(http_code "$url/$BUCKET" 3) != 200 ]]; then
      mstate=unhealthy mdetail="bucket $BUCKET missing (run up)"; ok=false
    else
      mstate=up mdetail="bucket $BUCKET present"
    fi
  elif port_listening "$MOTO_PORT"; then
    pid=- mstate=down mdetail="port taken by $(port_owner "$MOTO_PORT"), not started by this stack"; ok=false
  else
    pid=- mstate=down mdetail="not running"; ok=false
  fi
  if $json; then
    local mp=null; [[ $pid =~ ^[0-9]+$ ]] && mp=$pid
    printf '{"ok":%s,"opensearch":{"version":%s,"health":%s,"clusterManager":%s,"nodes":[%s]},"moto":{"pid":%s,"port":%s,"url":%s,"state":"%s","detail":%s}}\n' \
      "$ok" "$(json_str "$OS_VERSION")" "$( [[ -n $health ]] && json_str "$health" || echo null)" \
      "$( [[ -n $manager ]] && json_str "$manager" || { ((NODES == 1)) && [[ -n $health ]] && json_str trailstream-dev-0 || echo null; })" \
      "$nodes_json" "$mp" "$MOTO_PORT" "$(json_str "$url")" "$mstate" "$(json_str "$mdetail")"
  else
    ((NODES > 1)) && status_line cluster "${health:-down}" - - "${NODES} nodes, cluster manager ${manager:-none}"
    status_line moto "$mstate" "$pid" "$url" "$mdetail"
  fi
  $ok || exit 1
}

cmd_env() {
  [[ -s $ENV_FILE ]] || die "the stack has not been brought up here yet ($(rel "$ENV_FILE") is missing)." "Run: npm run stack -- up"
  cat "$ENV_FILE"
}

cmd_logs() {
  resolve_os_base
  load_nodes
  case "${1:-opensearch}" in
    opensearch) select_node 0; tail -n "${2:-100}" "$OS_OUT" ;;
    moto) tail -n "${2:-100}" "$MOTO_LOG" ;;
    *) select_node "$(node_index "$1")"; tail -n "${2:-100}" "$OS_OUT" ;;
  esac
}

usage() {
  cat >&2 <<'EOF'
usage: bash stack/stack.sh <command>      (or: npm run stack -- <command>)
  up [--nodes N]   install what is missing, start what is not running, create bucket/queues
                   (--nodes 3: a 3-node OpenSearch cluster; the default is one node)
  down [--purge]   stop what up started; --purge also deletes OpenSearch data and logs
  reset            down --purge
  status [--json]  show each component (JSON: nodes, pids, ports, cluster manager); exit 0 only if all are healthy
  node stop|start <name> [--kill]   stop (TERM; KILL with --kill) or start one OpenSearch node
  env              print export lines: eval "$(npm run -s stack -- env)"
  logs [opensearch|<node name>|moto] [N]   last N lines of a component's log
See stack/README.md for settings.
EOF
}

main() {
  local cmd=${1:-}
  shift || true
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    reset) cmd_down --purge ;;
    status) cmd_status "$@" ;;
    node) cmd_node "$@" ;;
    env) cmd_env "$@" ;;
    logs) cmd_logs "$@" ;;
    -h|--help|help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
