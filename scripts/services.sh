#!/usr/bin/env bash
# Local backing services for the Portcullis test suite, without Docker:
#   PostgreSQL (Debian package), Redis (Debian package), Apache Kafka 4.x (KRaft,
#   jars resolved from Maven Central via scripts/kafka/pom.xml).
# All of them listen on loopback only. See scripts/README.md.
#
#   scripts/services.sh up       install (if needed) and start; idempotent, fast when already up
#                                (up/down/status take optional service names: postgres redis kafka)
#   scripts/services.sh down     stop what this script started
#   scripts/services.sh status   show each service as up/down (exit 3 if any is down)
#   scripts/services.sh env      print `export VAR=...` lines:  eval "$(scripts/services.sh env)"
#   scripts/services.sh kafka-class CLASS [ARGS...]   run a Kafka CLI class from the cached jars
#
# DATABASE_URL / REDIS_URL / KAFKA_BROKERS, when set to anything other than what `env` prints,
# mean "use that service": it is then neither installed nor started, only checked for reachability.
# shellcheck disable=SC2015,SC2016 # A&&B||C is deliberate; bash -c bodies are single-quoted on purpose
set -euo pipefail

# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"
SVC_DIR="${PORTCULLIS_SERVICES_DIR:-$HOME/.cache/portcullis/services}"

PG_PORT=5432
PG_USER=portcullis
PG_PASSWORD=portcullis
PG_DB=portcullis
REDIS_PORT=6379
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
HOST=127.0.0.1

DEFAULT_DATABASE_URL="postgres://${PG_USER}:${PG_PASSWORD}@${HOST}:${PG_PORT}/${PG_DB}"
DEFAULT_REDIS_URL="redis://${HOST}:${REDIS_PORT}"
DEFAULT_KAFKA_BROKERS="${HOST}:${KAFKA_PORT}"

KAFKA_POM="$SCRIPT_DIR/kafka/pom.xml"
KAFKA_DIR="$SVC_DIR/kafka"
KAFKA_LIBS="$SVC_DIR/kafka-libs"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
KAFKA_HEAP="${KAFKA_HEAP:--Xmx1g}"
# 1 = a broker this script starts gets empty storage (scripts/test.sh sets it: its topics are test data).
KAFKA_FRESH_STORAGE="${KAFKA_FRESH_STORAGE:-0}"

REDIS_DIR="$SVC_DIR/redis"
REDIS_PID="$REDIS_DIR/redis.pid"

APT_UPDATED=""

# A service is "external" when its variable is set to something other than what `env` prints
# for the local one -- so `eval "$(services.sh env)"` followed by `services.sh down|up` still
# manages the local services.
pg_external() {
  [ -n "${DATABASE_URL:-}" ] && [ "${DATABASE_URL%/}" != "$DEFAULT_DATABASE_URL" ]
}
redis_external() {
  local u=${REDIS_URL:-}
  u=${u%/}
  u=${u%/0}
  [ -n "$u" ] && [ "$u" != "$DEFAULT_REDIS_URL" ]
}
kafka_external() {
  [ -n "${KAFKA_BROKERS:-}" ] && [ "${KAFKA_BROKERS#PLAINTEXT://}" != "$DEFAULT_KAFKA_BROKERS" ]
}

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
log() { printf '[services] %s\n' "$*" >&2; }
die() {
  printf '[services] ERROR: %s\n' "$*" >&2
  exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as root (directly, or through passwordless sudo).
as_root() {
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    die "need root to run: $* (run as root or give passwordless sudo)"
  fi
}

# TCP connect check: port_open HOST PORT
port_open() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" >/dev/null 2>&1
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# pid_is PID WORD : the process is alive and its command line contains WORD (guards against
# stale pid files whose pid now belongs to something else).
pid_is() { pid_alive "$1" && grep -qaF -- "$2" "/proc/$1/cmdline" 2>/dev/null; }

read_pid() { [ -f "$1" ] && tr -dc '0-9' <"$1" || true; }

# url_hostport URL DEFAULT_PORT -> prints "host port"
url_hostport() {
  local rest=${1#*://} host port
  rest=${rest%%/*}
  rest=${rest%%\?*}
  rest=${rest##*@}
  rest=${rest%%,*}
  if [[ $rest =~ ^\[([^]]+)\](:([0-9]+))?$ ]]; then
    host=${BASH_REMATCH[1]}
    port=${BASH_REMATCH[3]:-$2}
  elif [[ $rest =~ ^([^:]*)(:([0-9]+))?$ ]]; then
    host=${BASH_REMATCH[1]:-$HOST}
    port=${BASH_REMATCH[3]:-$2}
  else
    host=$rest
    port=$2
  fi
  printf '%s %s\n' "$host" "$port"
}

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# apt_install PKG... : installs the missing ones (apt-get update once per run first).
apt_install() {
  local missing=() p
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install ${missing[*]} by hand"
  export DEBIAN_FRONTEND=noninteractive
  ensure_svc_dir
  local alog="$SVC_DIR/apt.log"
  if [ -z "$APT_UPDATED" ]; then
    log "apt-get update (to install ${missing[*]}; log: $alog)"
    as_root apt-get update -q </dev/null >>"$alog" 2>&1 || {
      tail -n 20 "$alog" >&2
      die "apt-get update failed"
    }
    APT_UPDATED=1
  fi
  log "installing ${missing[*]} (apt-get install; log: $alog)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" </dev/null >>"$alog" 2>&1 || {
    tail -n 30 "$alog" >&2
    die "apt-get install ${missing[*]} failed"
  }
}

ensure_svc_dir() {
  mkdir -p "$SVC_DIR"
}

# Serialise up/down across concurrent callers (e.g. parallel CI steps).
take_lock() {
  ensure_svc_dir
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>>"$SVC_DIR/.lock"
  if ! flock -n 9; then
    log "another services.sh is running; waiting for its lock"
    flock -w 900 9 || die "timed out waiting for $SVC_DIR/.lock"
  fi
}

# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------
pg_bindir() {
  local d best=""
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] || continue
    if [ -z "$best" ] || [ "$(printf '%s\n%s\n' "$best" "$d" | sort -V | tail -n1)" = "$d" ]; then
      best=$d
    fi
  done
  printf '%s' "$best"
}

# Run a command as the OS user that owns our cluster.
# (from /, since the caller's cwd may be unreadable for that user)
as_pg() {
  if is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# Directory holding our cluster (data/, run/, postgresql.log). It is $SVC_DIR/pg, except when
# running as root and the postgres user cannot reach $SVC_DIR (e.g. it is under /root, mode 700):
# then $SVC_DIR/pg is a symlink to a directory under the postgres user's home.
pg_base() {
  local want="$SVC_DIR/pg"
  if [ -e "$want" ] || [ -L "$want" ]; then
    readlink -f "$want"
    return
  fi
  ensure_svc_dir
  if ! is_root; then
    mkdir -p "$want" && chmod 700 "$want"
    readlink -f "$want"
    return
  fi
  mkdir -p "$want"
  chown postgres:postgres "$want"
  chmod 700 "$want"
  if runuser -u postgres -- test -w "$want" 2>/dev/null; then
    readlink -f "$want"
    return
  fi
  rmdir "$want"
  local pghome hash alt
  pghome=$(getent passwd postgres | cut -d: -f6)
  [ -n "$pghome" ] && [ -d "$pghome" ] || pghome=/var/lib/postgresql
  hash=$(printf '%s' "$SVC_DIR" | sha256sum | cut -c1-10)
  alt="$pghome/portcullis-$hash"
  log "postgres user cannot reach $SVC_DIR; keeping the cluster in $alt (symlinked from $want)"
  mkdir -p "$alt"
  chown postgres:postgres "$alt"
  chmod 700 "$alt"
  ln -s "$alt" "$want"
  readlink -f "$want"
}

# Our cluster's socket directory (short path: unix sockets are limited to ~107 bytes).
pg_sockdir() {
  local base=$1
  if [ "${#base}" -lt 80 ]; then printf '%s/run' "$base"; else printf '/tmp'; fi
}

pg_our_pid() {
  local base=$1 pid
  [ -f "$base/data/postmaster.pid" ] || return 1
  pid=$(head -n1 "$base/data/postmaster.pid" | tr -dc '0-9')
  pid_alive "$pid" && printf '%s' "$pid"
}

pg_app_ok() {
  PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=5 psql -X -q -A -t -h "$HOST" -p "$PG_PORT" \
    -U "$PG_USER" -d "$PG_DB" -c 'select 1' >/dev/null 2>&1
}

pg_ensure_client() {
  command -v psql >/dev/null 2>&1 || apt_install postgresql-client
}

# Make sure role + database exist. $1 = socket dir of a cluster we can administer ("" = default).
pg_ensure_role_db() {
  local sock=${1:-} bindir
  pg_ensure_client
  if pg_app_ok; then
    return 0
  fi
  log "postgres: creating role '$PG_USER' and database '$PG_DB'"
  bindir=$(pg_bindir)
  local psql_bin=psql
  [ -n "$bindir" ] && psql_bin="$bindir/psql"
  local args=(-X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres)
  [ -n "$sock" ] && args+=(-h "$sock" -U postgres)
  if ! is_root && [ -z "$sock" ]; then
    die "postgres on $PG_PORT does not accept $PG_USER/$PG_PASSWORD and this script cannot administer it; create the role/db or set DATABASE_URL"
  fi
  as_pg "$psql_bin" "${args[@]}" >&2 <<SQL || die "could not create role/database on port $PG_PORT (if it is not a local Debian cluster, create them by hand or set DATABASE_URL)"
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER LOGIN SUPERUSER PASSWORD '$PG_PASSWORD';
  ELSE
    ALTER ROLE $PG_USER LOGIN SUPERUSER PASSWORD '$PG_PASSWORD';
  END IF;
END
\$\$;
SELECT 'CREATE DATABASE $PG_DB OWNER $PG_USER'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DB')\gexec
SQL
  pg_app_ok || die "postgres: role/database created but cannot log in as $PG_USER over TCP (check pg_hba.conf)"
}

pg_warn_max_connections() {
  local n
  n=$(PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=5 psql -X -q -A -t -h "$HOST" -p "$PG_PORT" \
    -U "$PG_USER" -d "$PG_DB" -c 'show max_connections' 2>/dev/null || true)
  if [ -n "$n" ] && [ "$n" -lt 200 ] 2>/dev/null; then
    log "postgres: WARNING: the reused server has max_connections=$n (< 200); parallel tests may run out"
  fi
}

pg_up() {
  if pg_external; then
    pg_check_external
    return
  fi
  local base sock bindir pid
  if port_open "$HOST" "$PG_PORT"; then
    base=""
    [ -e "$SVC_DIR/pg" ] && base=$(readlink -f "$SVC_DIR/pg")
    if [ -n "$base" ] && pid=$(pg_our_pid "$base"); then
      log "postgres: already running (pid $pid, data $base/data)"
      pg_ensure_role_db "$(pg_sockdir "$base")"
    else
      log "postgres: reusing the server already listening on $HOST:$PG_PORT"
      pg_ensure_role_db ""
      pg_warn_max_connections
    fi
    return
  fi

  bindir=$(pg_bindir)
  if [ -z "$bindir" ]; then
    apt_install postgresql
    bindir=$(pg_bindir)
    [ -n "$bindir" ] || die "postgresql installed but no /usr/lib/postgresql/*/bin/initdb found"
    # Debian's postinst may have created and started the default cluster on 5432.
    if port_open "$HOST" "$PG_PORT"; then
      log "postgres: the freshly installed default cluster is listening on $PG_PORT; reusing it"
      pg_ensure_role_db ""
      pg_warn_max_connections
      return
    fi
  fi
  pg_ensure_client
  is_root && ! id postgres >/dev/null 2>&1 && die "no 'postgres' OS user (is the postgresql package installed?)"

  base=$(pg_base)
  sock=$(pg_sockdir "$base")
  if [ ! -f "$base/data/PG_VERSION" ]; then
    log "postgres: initdb $base/data ($(basename "$(dirname "$bindir")"))"
    as_pg "$bindir/initdb" -D "$base/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$SVC_DIR/pg-initdb.log" 2>&1 || {
      tail -n 30 "$SVC_DIR/pg-initdb.log" >&2
      die "initdb failed"
    }
    as_pg bash -c 'cat >>"$1"' _ "$base/data/postgresql.conf" <<CONF

# --- added by portcullis scripts/services.sh (test cluster) ---
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$sock'
max_connections = 200
password_encryption = scram-sha-256
# Throwaway test data: trade durability for speed.
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
  [ "$sock" = /tmp ] || as_pg mkdir -p "$sock"
  log "postgres: starting cluster $base/data on $HOST:$PG_PORT"
  # setsid: detach from the caller's session so the server outlives this shell / CI step.
  # 9>&-: the daemon must not inherit (and so hold forever) our lock file descriptor.
  if ! as_pg setsid -w "$bindir/pg_ctl" -D "$base/data" -l "$base/postgresql.log" -w -t 60 start >/dev/null 2>&1 9>&-; then
    tail -n 30 "$base/postgresql.log" >&2 || true
    die "postgres failed to start (log: $base/postgresql.log)"
  fi
  pg_ensure_role_db "$sock"
  log "postgres: ready at $DEFAULT_DATABASE_URL"
}

pg_check_external() {
  local hp
  read -r -a hp < <(url_hostport "$DATABASE_URL" 5432)
  if command -v psql >/dev/null 2>&1; then
    if PGCONNECT_TIMEOUT=5 psql -X -q -A -t "$DATABASE_URL" -c 'select 1' >/dev/null 2>&1; then
      log "postgres: DATABASE_URL is set and reachable (${hp[0]}:${hp[1]}); not managing it"
      return 0
    fi
  elif port_open "${hp[0]}" "${hp[1]}"; then
    log "postgres: DATABASE_URL is set and ${hp[0]}:${hp[1]} accepts connections; not managing it"
    return 0
  fi
  log "postgres: DATABASE_URL is set but ${hp[0]}:${hp[1]} is NOT reachable (or login failed)"
  EXTERNAL_FAILED=1
}

pg_down() {
  pg_external && { log "postgres: DATABASE_URL points elsewhere; leaving it alone"; return; }
  local base bindir
  [ -e "$SVC_DIR/pg" ] || { log "postgres: no cluster of ours"; return; }
  base=$(readlink -f "$SVC_DIR/pg")
  if ! pg_our_pid "$base" >/dev/null; then
    log "postgres: not running (ours)"
    return
  fi
  bindir=$(pg_bindir)
  log "postgres: stopping $base/data"
  as_pg "$bindir/pg_ctl" -D "$base/data" -m fast -w -t 60 stop >/dev/null 2>&1 || die "pg_ctl stop failed"
}

pg_status() {
  if pg_external; then
    local hp
    read -r -a hp < <(url_hostport "$DATABASE_URL" 5432)
    if port_open "${hp[0]}" "${hp[1]}"; then echo "postgres  up    external  $DATABASE_URL"; return 0; fi
    echo "postgres  down  external  $DATABASE_URL"
    return 1
  fi
  local base pid
  if port_open "$HOST" "$PG_PORT"; then
    [ -e "$SVC_DIR/pg" ] && base=$(readlink -f "$SVC_DIR/pg") || base=""
    if [ -n "$base" ] && pid=$(pg_our_pid "$base"); then
      echo "postgres  up    managed   $DEFAULT_DATABASE_URL  (pid $pid, data $base/data)"
    else
      echo "postgres  up    reused    $DEFAULT_DATABASE_URL  (not started by services.sh)"
    fi
    return 0
  fi
  echo "postgres  down"
  return 1
}

# ---------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------
# redis_ping HOST PORT : true if the server answers +PONG (no redis-cli needed)
redis_ping() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$1/$2" || exit 1
    printf "PING\r\n" >&3
    IFS= read -r -t 2 line <&3 || exit 1
    [[ $line == +PONG* ]]' _ "$1" "$2" >/dev/null 2>&1
}

redis_up() {
  if redis_external; then
    redis_check_external
    return
  fi
  local pid
  if redis_ping "$HOST" "$REDIS_PORT"; then
    pid=$(read_pid "$REDIS_PID")
    if pid_is "$pid" redis-server; then
      log "redis: already running (pid $pid)"
    else
      log "redis: reusing the server already answering PING on $HOST:$REDIS_PORT"
    fi
    return
  fi
  if port_open "$HOST" "$REDIS_PORT"; then
    die "redis: something listens on $HOST:$REDIS_PORT but does not answer PING (set REDIS_URL or free the port)"
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server
    # Debian's postinst may have started its own instance on 6379.
    sleep 1
    if redis_ping "$HOST" "$REDIS_PORT"; then
      log "redis: the freshly installed server answers on $REDIS_PORT; reusing it"
      return
    fi
  fi
  mkdir -p "$REDIS_DIR"
  log "redis: starting redis-server on $HOST:$REDIS_PORT"
  redis-server --bind "$HOST" --port "$REDIS_PORT" --protected-mode yes \
    --daemonize yes --pidfile "$REDIS_PID" --logfile "$REDIS_DIR/redis.log" \
    --dir "$REDIS_DIR" --save '' --appendonly no </dev/null >/dev/null 2>&1 9>&- ||
    die "redis-server failed to start (log: $REDIS_DIR/redis.log)"
  for _ in $(seq 1 50); do
    redis_ping "$HOST" "$REDIS_PORT" && { log "redis: ready at $DEFAULT_REDIS_URL"; return; }
    sleep 0.2
  done
  tail -n 20 "$REDIS_DIR/redis.log" >&2 || true
  die "redis did not answer PING within 10s (log: $REDIS_DIR/redis.log)"
}

redis_check_external() {
  local hp ok=""
  read -r -a hp < <(url_hostport "$REDIS_URL" 6379)
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(timeout 5 redis-cli -u "$REDIS_URL" ping 2>/dev/null || true)" = PONG ] && ok=1
  else
    port_open "${hp[0]}" "${hp[1]}" && ok=1
  fi
  if [ -n "$ok" ]; then
    log "redis: REDIS_URL is set and reachable (${hp[0]}:${hp[1]}); not managing it"
  else
    log "redis: REDIS_URL is set but ${hp[0]}:${hp[1]} is NOT reachable"
    EXTERNAL_FAILED=1
  fi
}

redis_down() {
  redis_external && { log "redis: REDIS_URL points elsewhere; leaving it alone"; return; }
  local pid
  pid=$(read_pid "$REDIS_PID")
  if ! pid_is "$pid" redis-server; then
    log "redis: not running (ours)"
    rm -f "$REDIS_PID"
    return
  fi
  log "redis: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  wait_pid_exit "$pid" 20 || { log "redis: still alive, sending KILL"; kill -KILL "$pid" 2>/dev/null || true; }
  rm -f "$REDIS_PID"
}

redis_status() {
  if redis_external; then
    local hp
    read -r -a hp < <(url_hostport "$REDIS_URL" 6379)
    if port_open "${hp[0]}" "${hp[1]}"; then echo "redis     up    external  $REDIS_URL"; return 0; fi
    echo "redis     down  external  $REDIS_URL"
    return 1
  fi
  local pid
  if redis_ping "$HOST" "$REDIS_PORT"; then
    pid=$(read_pid "$REDIS_PID")
    if pid_is "$pid" redis-server; then
      echo "redis     up    managed   $DEFAULT_REDIS_URL  (pid $pid)"
    else
      echo "redis     up    reused    $DEFAULT_REDIS_URL  (not started by services.sh)"
    fi
    return 0
  fi
  echo "redis     down"
  return 1
}

# ---------------------------------------------------------------------------
# Kafka
# ---------------------------------------------------------------------------
wait_pid_exit() { # PID SECONDS
  local _
  for _ in $(seq 1 $(($2 * 5))); do
    pid_alive "$1" || return 0
    sleep 0.2
  done
  ! pid_alive "$1"
}

java_major() {
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')
  v=${v#1.}
  printf '%s' "${v%%.*}"
}

kafka_ensure_java() {
  if ! command -v java >/dev/null 2>&1; then
    apt_install default-jre-headless
  fi
  local m
  m=$(java_major)
  [ -n "$m" ] && [ "$m" -ge 17 ] || die "Kafka 4.x needs Java 17+, found: $(java -version 2>&1 | head -n1)"
}

pom_hash() { sha256sum "$KAFKA_POM" | cut -d' ' -f1; }

kafka_libs_complete() {
  [ -f "$KAFKA_LIBS/.complete" ] && [ "$(cat "$KAFKA_LIBS/.complete")" = "$(pom_hash)" ] &&
    compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null
}

kafka_fetch_libs() {
  kafka_libs_complete && return 0
  [ -f "$KAFKA_POM" ] || die "missing $KAFKA_POM"
  command -v mvn >/dev/null 2>&1 || apt_install maven
  local tmp="$KAFKA_LIBS.tmp.$$"
  rm -rf "$tmp"
  log "kafka: downloading jars with Maven (scripts/kafka/pom.xml) into $KAFKA_LIBS"
  if ! mvn -B -q -f "$KAFKA_POM" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" -DincludeScope=runtime >"$SVC_DIR/kafka-mvn.log" 2>&1 </dev/null; then
    tail -n 40 "$SVC_DIR/kafka-mvn.log" >&2 || true
    rm -rf "$tmp"
    die "mvn dependency:copy-dependencies failed (log: $SVC_DIR/kafka-mvn.log)"
  fi
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || die "mvn ran but no kafka_2.13 jar in $tmp"
  pom_hash >"$tmp/.complete"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  log "kafka: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars cached ($(basename "$(ls "$KAFKA_LIBS"/kafka_2.13-*.jar)"))"
}

# Writes a file only when its content changes (keeps `up` side-effect free when nothing changed).
write_if_changed() { # PATH (content on stdin)
  local tmp="$1.tmp.$$"
  cat >"$tmp"
  if [ -f "$1" ] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

kafka_write_config() {
  mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/logs"
  write_if_changed "$KAFKA_DIR/server.properties" <<EOF
# Generated by scripts/services.sh -- single-node KRaft (combined broker+controller) for tests.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
auto.create.topics.enable=true
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
num.recovery.threads.per.data.dir=1
log.retention.hours=24
EOF
  write_if_changed "$KAFKA_DIR/log4j2.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/services.sh: broker logs to a file, INFO (noisy loggers at WARN). -->
<Configuration status="WARN">
  <Appenders>
    <RollingFile name="File" fileName="$KAFKA_DIR/logs/server.log" filePattern="$KAFKA_DIR/logs/server.log.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <Policies><SizeBasedTriggeringPolicy size="20 MB"/></Policies>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="File"/></Root>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="state.change.logger" level="WARN"/>
    <Logger name="kafka.log.LogCleaner" level="WARN"/>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
    <Logger name="org.apache.kafka.common.utils.AppInfoParser" level="WARN"/>
  </Loggers>
</Configuration>
EOF
  write_if_changed "$KAFKA_DIR/tools-log4j2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/services.sh: CLI tools log WARN+ to stderr. -->
<Configuration status="WARN">
  <Appenders>
    <Console name="Stderr" target="SYSTEM_ERR"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console>
  </Appenders>
  <Loggers>
    <Root level="WARN"><AppenderRef ref="Stderr"/></Root>
  </Loggers>
</Configuration>
EOF
}

# kafka_java CLASS ARGS... : run a Kafka class from the cached jars (CLI-style logging).
kafka_java() {
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_DIR/tools-log4j2.xml" \
    -cp "$KAFKA_LIBS/*" "$@"
}

kafka_format() {
  [ -f "$KAFKA_DIR/data/meta.properties" ] && return 0
  local cid
  if [ -s "$KAFKA_DIR/cluster-id" ]; then
    cid=$(cat "$KAFKA_DIR/cluster-id")
  else
    cid=$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1 | tr -d '[:space:]')
    [ -n "$cid" ] || die "kafka: StorageTool random-uuid produced no id"
    printf '%s\n' "$cid" >"$KAFKA_DIR/cluster-id"
  fi
  log "kafka: formatting storage $KAFKA_DIR/data (cluster id $cid)"
  kafka_java kafka.tools.StorageTool format -t "$cid" -c "$KAFKA_DIR/server.properties" \
    --standalone >"$KAFKA_DIR/logs/format.log" 2>&1 || {
    cat "$KAFKA_DIR/logs/format.log" >&2
    die "kafka: storage format failed"
  }
}

kafka_fail() {
  log "kafka: $1"
  log "---- last lines of $KAFKA_DIR/logs/server.log ----"
  tail -n 40 "$KAFKA_DIR/logs/server.log" >&2 2>/dev/null || true
  log "---- last lines of $KAFKA_DIR/logs/kafka.out ----"
  tail -n 20 "$KAFKA_DIR/logs/kafka.out" >&2 2>/dev/null || true
  local pid
  pid=$(read_pid "$KAFKA_PID")
  if pid_alive "$pid"; then
    die "kafka did not become ready ($1); process $pid is still running (\`$0 down\` stops it, or rerun \`$0 up\` to keep waiting)"
  fi
  die "kafka did not become ready ($1)"
}

# Ready = port accepts connections and an admin client can list topics.
kafka_wait_ready() {
  local pid=$1 deadline=$((SECONDS + KAFKA_START_TIMEOUT)) said=""
  log "kafka: waiting for broker on $HOST:$KAFKA_PORT (timeout ${KAFKA_START_TIMEOUT}s)"
  while [ "$SECONDS" -lt "$deadline" ]; do
    pid_alive "$pid" || kafka_fail "process $pid exited during startup"
    if port_open "$HOST" "$KAFKA_PORT"; then
      [ -n "$said" ] || { log "kafka: port open, checking the broker answers metadata requests"; said=1; }
      if timeout 45 java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        -Dlog4j2.configurationFile="$KAFKA_DIR/tools-log4j2.xml" -cp "$KAFKA_LIBS/*" \
        org.apache.kafka.tools.TopicCommand --bootstrap-server "$HOST:$KAFKA_PORT" --list \
        >/dev/null 2>>"$KAFKA_DIR/logs/readiness.log"; then
        return 0
      fi
    fi
    sleep 1
  done
  kafka_fail "timed out after ${KAFKA_START_TIMEOUT}s"
}

kafka_up() {
  if kafka_external; then
    kafka_check_external
    return
  fi
  local pid
  pid=$(read_pid "$KAFKA_PID")
  if port_open "$HOST" "$KAFKA_PORT"; then
    if pid_is "$pid" kafka.Kafka; then
      log "kafka: already running (pid $pid)"
    else
      log "kafka: reusing the broker already listening on $HOST:$KAFKA_PORT"
    fi
    return
  fi
  if pid_is "$pid" kafka.Kafka; then
    # Ours, still starting up (e.g. a previous `up` was interrupted).
    kafka_wait_ready "$pid"
    log "kafka: ready at $DEFAULT_KAFKA_BROKERS"
    return
  fi
  port_open "$HOST" "$KAFKA_CONTROLLER_PORT" &&
    die "kafka: port $KAFKA_CONTROLLER_PORT (controller) is taken by something else"

  kafka_ensure_java
  kafka_fetch_libs
  if [ "$KAFKA_FRESH_STORAGE" = 1 ] && [ -d "$KAFKA_DIR/data" ]; then
    log "kafka: KAFKA_FRESH_STORAGE=1, starting with empty storage (dropping $(find "$KAFKA_DIR/data" -mindepth 1 -maxdepth 1 -type d | wc -l) partition directories)"
    rm -rf "$KAFKA_DIR/data"
  fi
  kafka_write_config
  kafka_format

  log "kafka: starting broker+controller ($(basename "$(ls "$KAFKA_LIBS"/kafka_2.13-*.jar)" .jar), $KAFKA_HEAP)"
  # setsid+nohup: own session, survives the calling shell / CI step.
  # shellcheck disable=SC2086 # KAFKA_HEAP may hold several flags
  setsid nohup java $KAFKA_HEAP -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.xml" -Dkafka.logs.dir="$KAFKA_DIR/logs" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DIR/server.properties" \
    </dev/null >>"$KAFKA_DIR/logs/kafka.out" 2>&1 9>&- &
  pid=$!
  printf '%s\n' "$pid" >"$KAFKA_PID"
  local t0=$SECONDS
  kafka_wait_ready "$pid"
  log "kafka: ready at $DEFAULT_KAFKA_BROKERS (pid $pid, $((SECONDS - t0))s)"
}

kafka_check_external() {
  local b hp ok=""
  for b in $(printf '%s' "$KAFKA_BROKERS" | tr ',' ' '); do
    read -r -a hp < <(url_hostport "x://${b#*://}" 9092)
    if port_open "${hp[0]}" "${hp[1]}"; then ok=1; break; fi
  done
  if [ -n "$ok" ]; then
    log "kafka: KAFKA_BROKERS is set and reachable ($KAFKA_BROKERS); not managing it"
  else
    log "kafka: KAFKA_BROKERS is set but none of $KAFKA_BROKERS is reachable"
    EXTERNAL_FAILED=1
  fi
}

kafka_down() {
  kafka_external && { log "kafka: KAFKA_BROKERS points elsewhere; leaving it alone"; return; }
  local pid
  pid=$(read_pid "$KAFKA_PID")
  if ! pid_is "$pid" kafka.Kafka; then
    log "kafka: not running (ours)"
    rm -f "$KAFKA_PID"
    return
  fi
  log "kafka: stopping pid $pid (controlled shutdown)"
  kill -TERM "$pid" 2>/dev/null || true
  wait_pid_exit "$pid" 60 || { log "kafka: still alive after 60s, sending KILL"; kill -KILL "$pid" 2>/dev/null || true; }
  rm -f "$KAFKA_PID"
}

kafka_status() {
  if kafka_external; then
    local hp b=${KAFKA_BROKERS%%,*}
    read -r -a hp < <(url_hostport "x://${b#*://}" 9092)
    if port_open "${hp[0]}" "${hp[1]}"; then echo "kafka     up    external  $KAFKA_BROKERS"; return 0; fi
    echo "kafka     down  external  $KAFKA_BROKERS"
    return 1
  fi
  local pid
  pid=$(read_pid "$KAFKA_PID")
  if port_open "$HOST" "$KAFKA_PORT"; then
    if pid_is "$pid" kafka.Kafka; then
      echo "kafka     up    managed   $DEFAULT_KAFKA_BROKERS  (pid $pid)"
    else
      echo "kafka     up    reused    $DEFAULT_KAFKA_BROKERS  (not started by services.sh)"
    fi
    return 0
  fi
  if pid_is "$pid" kafka.Kafka; then echo "kafka     down  starting  (pid $pid, port not open yet)"; else echo "kafka     down"; fi
  return 1
}

# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------
# select_services [NAME...] -> sets WANT_PG / WANT_REDIS / WANT_KAFKA (default: all three)
select_services() {
  WANT_PG="" WANT_REDIS="" WANT_KAFKA=""
  [ "$#" -gt 0 ] || set -- postgres redis kafka
  local s
  for s in "$@"; do
    case "$s" in
    postgres | pg | postgresql) WANT_PG=1 ;;
    redis) WANT_REDIS=1 ;;
    kafka) WANT_KAFKA=1 ;;
    *) die "unknown service '$s' (expected: postgres, redis, kafka)" ;;
    esac
  done
}

cmd_up() {
  local t0=$SECONDS
  select_services "$@"
  EXTERNAL_FAILED=""
  take_lock
  [ -z "$WANT_PG" ] || pg_up
  [ -z "$WANT_REDIS" ] || redis_up
  [ -z "$WANT_KAFKA" ] || kafka_up
  [ -z "$EXTERNAL_FAILED" ] || die "some externally configured services are unreachable (see above)"
  log "services up in $((SECONDS - t0))s; use: eval \"\$(scripts/services.sh env)\""
}

cmd_down() {
  select_services "$@"
  take_lock
  [ -z "$WANT_KAFKA" ] || kafka_down
  [ -z "$WANT_REDIS" ] || redis_down
  [ -z "$WANT_PG" ] || pg_down
}

cmd_status() {
  local rc=0
  select_services "$@"
  if [ -n "$WANT_PG" ]; then pg_status || rc=3; fi
  if [ -n "$WANT_REDIS" ]; then redis_status || rc=3; fi
  if [ -n "$WANT_KAFKA" ]; then kafka_status || rc=3; fi
  return "$rc"
}

cmd_env() {
  printf 'export DATABASE_URL=%q\n' "${DATABASE_URL:-$DEFAULT_DATABASE_URL}"
  printf 'export REDIS_URL=%q\n' "${REDIS_URL:-$DEFAULT_REDIS_URL}"
  printf 'export KAFKA_BROKERS=%q\n' "${KAFKA_BROKERS:-$DEFAULT_KAFKA_BROKERS}"
}

cmd_kafka_class() {
  [ "$#" -ge 1 ] || die "usage: $0 kafka-class CLASS [ARGS...]"
  kafka_ensure_java
  kafka_libs_complete || { take_lock; kafka_fetch_libs; }
  [ -f "$KAFKA_DIR/tools-log4j2.xml" ] || kafka_write_config
  kafka_java "$@"
}

# Prints the directory of the cached Kafka jars (fetching them first if needed); tests use it to run
# a throwaway broker of their own (e.g. to kill and restart it without disturbing the shared one).
cmd_kafka_libs() {
  kafka_ensure_java
  kafka_libs_complete || { take_lock; kafka_fetch_libs; }
  printf '%s\n' "$KAFKA_LIBS"
}

usage() {
  cat >&2 <<EOF
usage: $0 {up|down|status} [postgres|redis|kafka ...]
       $0 env
       $0 kafka-class CLASS [ARGS...]
       $0 kafka-libs
  up      install (Debian packages / Maven jars) and start PostgreSQL, Redis, Kafka on 127.0.0.1
  down    stop the services this script started
  status  show each service (exit 3 if any is down)
  (up/down/status act on all three services unless some are named)
  env     print export lines:  eval "\$($0 env)"
  kafka-class CLASS [ARGS]  run a Kafka CLI class with the cached jars, e.g.
          $0 kafka-class org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --list
  kafka-libs  print the directory of the cached Kafka jars (fetching them if needed)
state dir: \$PORTCULLIS_SERVICES_DIR (now: $SVC_DIR)
EOF
}

main() {
  local cmd=${1:-}
  [ "$#" -gt 0 ] && shift
  case "$cmd" in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  status) cmd_status "$@" ;;
  env) cmd_env ;;
  kafka-class) cmd_kafka_class "$@" ;;
  kafka-libs) cmd_kafka_libs ;;
  -h | --help | help) usage ;;
  *)
    usage
    exit 2
    ;;
  esac
}

main "$@"
