#!/usr/bin/env bash
# HTTP load benchmark of the gatehouse release binary on loopback.
#
# For each backend: a fresh database, an admin created with the CLI, the server started with
# RUST_LOG=warn on 127.0.0.1 (a free port), then `gatehouse-load` (this folder's crate) signs
# in, creates and activates an integration through the API, and drives GET /health, a
# bearer-authenticated GET /rest/V1/integration/self and an OAuth-signed one (fresh nonce per
# request) with 64 keep-alive connections: a warm-up, then a measured window each. It prints a
# markdown table: requests/s, latency percentiles, CPU per request, the server's peak RSS.
#
#   bench/load/run.sh [sqlite|postgres|all]        (default: all)
#
# Environment (defaults in brackets):
#   GH_LOAD_CONNECTIONS [64]  GH_LOAD_WARMUP [3]  GH_LOAD_DURATION [15] (seconds per route)
#   GH_LOAD_POOL_SIZE [16]    database.pool_size, also the server's blocking threads
#   GH_LOAD_WORKERS [0]       server.workers (0: one per core)
#   GH_LOAD_PG_URL [postgres://postgres@127.0.0.1:5432]  GH_LOAD_PG_DB [gh_load]
#   GH_LOAD_PG_PARAMS []      query of the server's database URL, e.g. sslmode=disable
#   GH_LOAD_MAX_LOAD []       if set, first wait (up to 30 min, checking every minute) for the
#                             1-minute load average to fall below it
#   GH_LOAD_LOGIN_BURST [16]  after the routes, this many admin logins at once (Argon2id), for
#                             their effect on the server's peak memory; 0 for none
#   GH_LOAD_SLOW_MS []        report answers slower than this (ms) on standard error
#   GH_LOAD_WRK [0]           1: also run Debian's wrk on /health, as a check of the client
#   GH_LOAD_SKIP_BUILD [0]    1: use target/release/{gatehouse,gatehouse-load} as they are
#
# Every secret (admin password, crypt key, tokens) is generated for the run, passed through
# the environment or standard input, and never printed. The database and the temporary folder
# are removed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

mode=${1:-all}
case "$mode" in
    sqlite) backends=(sqlite) ;;
    postgres) backends=(postgres) ;;
    all) backends=(sqlite postgres) ;;
    *)
        echo "usage: $0 [sqlite|postgres|all]" >&2
        exit 64
        ;;
esac

connections=${GH_LOAD_CONNECTIONS:-64}
warmup=${GH_LOAD_WARMUP:-3}
duration=${GH_LOAD_DURATION:-15}
pool_size=${GH_LOAD_POOL_SIZE:-16}
workers=${GH_LOAD_WORKERS:-0}
pg_url=${GH_LOAD_PG_URL:-postgres://postgres@127.0.0.1:5432}
pg_db=${GH_LOAD_PG_DB:-gh_load}
pg_params=${GH_LOAD_PG_PARAMS:-}
login_burst=${GH_LOAD_LOGIN_BURST:-16}
slow=()
[ -n "${GH_LOAD_SLOW_MS:-}" ] && slow=(--slow-ms "$GH_LOAD_SLOW_MS")

log() { echo "run.sh: $*" >&2; }
export PGOPTIONS='-c client_min_messages=warning'

if [ "${GH_LOAD_SKIP_BUILD:-0}" = 1 ]; then
    log "using the release binaries already built (GH_LOAD_SKIP_BUILD=1)"
else
    log "building the release binaries"
    cargo build --release -q -p gatehouse -p gatehouse-load
fi
gatehouse=$PWD/target/release/gatehouse
load=$PWD/target/release/gatehouse-load

work=$(mktemp -d "${TMPDIR:-/tmp}/gh-load.XXXXXX")
server_pid=""
pg_created=""

stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    if [ -n "$server_pid" ]; then
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
}

drop_pg() {
    if [ -n "$pg_created" ]; then
        psql "$pg_url/postgres" -qX -v ON_ERROR_STOP=1 \
            -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null || true
        pg_created=""
    fi
}

cleanup() {
    stop_server
    drop_pg
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

random_secret() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

load1() { cut -d' ' -f1 /proc/loadavg; }

wait_for_quiet() {
    local max=${GH_LOAD_MAX_LOAD:-}
    [ -n "$max" ] || return 0
    local deadline=$((SECONDS + 1800))
    while awk -v l="$(load1)" -v m="$max" 'BEGIN { exit !(l >= m) }'; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "load average still $(load1) after 30 minutes; running anyway"
            return 0
        fi
        log "load average $(load1) >= $max; checking again in a minute"
        sleep 60
    done
}

# Starts the server on a free loopback port; sets server_pid and port.
start_server() {
    local url=$1
    RUST_LOG=warn GATEHOUSE_DATABASE__POOL_SIZE=$pool_size GATEHOUSE_SERVER__WORKERS=$workers \
        "$gatehouse" --database-url "$url" serve --bind 127.0.0.1:0 >"$work/server.log" 2>&1 &
    server_pid=$!
    port=""
    for _ in $(seq 1 150); do
        if ! kill -0 "$server_pid" 2>/dev/null; then
            log "the server exited:"
            cat "$work/server.log" >&2
            return 1
        fi
        port=$(ss -Htlnp 2>/dev/null | awk -v pid="pid=$server_pid," \
            'index($0, pid) { n = split($4, a, ":"); print a[n]; exit }')
        if [ -n "$port" ] && curl -fsS -m 2 "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.2
    done
    log "the server did not answer within 30 s"
    return 1
}

# CPU time of the server so far, in ticks of 1/100 s.
server_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }

# wrk against URL (extra wrk options after it), appending its report and the server's CPU time
# per request to $work/BACKEND.wrk.
run_wrk() {
    local backend=$1 url=$2 before after requests
    shift 2
    before=$(server_ticks)
    timeout $((duration + 30)) wrk -t2 -c"$connections" -d"${duration}s" --latency "$@" "$url" \
        >"$work/wrk.out" 2>&1 || true
    after=$(server_ticks)
    requests=$(awk '/requests in/ { print $1 }' "$work/wrk.out")
    {
        cat "$work/wrk.out"
        if [ -n "$requests" ] && [ "$requests" -gt 0 ]; then
            echo "server CPU: $(((after - before) * 10000 / requests)) µs/request"
        fi
    } >>"$work/$backend.wrk"
}

run_backend() {
    local backend=$1 url
    local admin_password
    admin_password=$(random_secret 24)

    case "$backend" in
        sqlite)
            mkdir -p "$work/sqlite"
            url="sqlite://$work/sqlite/gatehouse.db"
            unset GATEHOUSE_SECURITY__CRYPT_KEY
            ;;
        postgres)
            psql "$pg_url/postgres" -qX -v ON_ERROR_STOP=1 \
                -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" -c "CREATE DATABASE $pg_db" >/dev/null
            pg_created=1
            url="$pg_url/$pg_db${pg_params:+?$pg_params}"
            GATEHOUSE_SECURITY__CRYPT_KEY=$(random_secret 30)
            export GATEHOUSE_SECURITY__CRYPT_KEY
            ;;
    esac

    printf '%s\n' "$admin_password" | RUST_LOG=warn "$gatehouse" --database-url "$url" \
        admin create --username load-admin --email load-admin@example.com --password-stdin >/dev/null
    start_server "$url"
    log "$backend: server pid $server_pid on 127.0.0.1:$port; load average $(cut -d' ' -f1-3 /proc/loadavg)"

    local header=() database=()
    [ "$backend" = "${backends[0]}" ] && header=(--header)
    if [ "$backend" = postgres ]; then
        # The backends of the server's pool, opened when it started: their CPU is the database's.
        local db_pids
        db_pids=$(psql "$pg_url/postgres" -AtX -c \
            "SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE datname = '$pg_db'")
        [ -n "$db_pids" ] && database=(--database-pids "$db_pids")
    fi
    local status=0
    GATEHOUSE_LOAD_ADMIN_USER=load-admin GATEHOUSE_LOAD_ADMIN_PASSWORD=$admin_password \
        timeout $((3 * (warmup + duration + 10) + 60)) \
        "$load" --base-url "http://127.0.0.1:$port" --server-pid "$server_pid" \
        --connections "$connections" --warmup "$warmup" --duration "$duration" \
        --login-burst "$login_burst" "${slow[@]}" \
        --label "$backend" "${header[@]}" "${database[@]}" >"$work/$backend.md" || status=$?

    if [ "${GH_LOAD_WRK:-0}" = 1 ] && command -v wrk >/dev/null; then
        local token
        run_wrk "$backend" "http://127.0.0.1:$port/health"
        # The password goes in on standard input, the token out through a variable.
        token=$(printf '{"username":"load-admin","password":"%s"}' "$admin_password" |
            curl -fsS -m 10 -X POST "http://127.0.0.1:$port/rest/V1/integration/admin/token" \
                -H 'Content-Type: application/json' --data-binary @- | tr -d '"')
        GH_LOAD_BEARER_TOKEN=$token run_wrk "$backend" \
            "http://127.0.0.1:$port/rest/V1/integration/self" -s bench/load/bearer.lua
    fi

    stop_server
    if [ "$backend" = postgres ]; then
        unset GATEHOUSE_SECURITY__CRYPT_KEY
        drop_pg
    fi
    if [ "$status" -ne 0 ]; then
        log "$backend: gatehouse-load exited with status $status"
        cat "$work/$backend.md"
        [ -s "$work/server.log" ] && { log "server log:"; tail -n 20 "$work/server.log" >&2; }
        return "$status"
    fi
}

wait_for_quiet
started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for backend in "${backends[@]}"; do
    run_backend "$backend"
done

# The report: conditions, the table, the targets.
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "Run of $started, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    "(plus uncommitted changes, if any); $(nproc) CPUs ($cpu), $(uname -sr)."
echo "Load average (1/5/15 min) before the run: $load_before. During it the load average" \
    "counts the benchmark's own threads; the table's 'other processes' CPU' column says what" \
    "the rest of the machine used in each window."
echo "Client and server share the same CPUs. Server: RUST_LOG=warn, server.workers=$workers" \
    "(0: one per core), database.pool_size=$pool_size${pg_params:+, PostgreSQL URL parameters $pg_params}." \
    "Client: $connections connections," \
    "${warmup} s warm-up, ${duration} s measured per route."
echo
first=1
for backend in "${backends[@]}"; do
    # Table rows first (all backends in one table), then each backend's targets.
    if [ "$first" = 1 ]; then
        grep '^|' "$work/$backend.md"
        first=0
    else
        grep '^|' "$work/$backend.md" | grep -v -e '^| backend' -e '^|---'
    fi
done
for backend in "${backends[@]}"; do
    grep -v '^|' "$work/$backend.md"
done
for backend in "${backends[@]}"; do
    if [ -s "$work/$backend.wrk" ]; then
        echo "wrk on /health, then bearer /rest/V1/integration/self ($backend server):"
        echo '```'
        cat "$work/$backend.wrk"
        echo '```'
    fi
done
