#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and benchmarks, from Debian's
# packages: initdb into DIR, listening on 127.0.0.1:PORT and a socket in DIR,
# trust authentication, run as an unprivileged user (`postgres` when called
# as root). Never touches a system cluster.
#
#   scripts/postgres/cluster.sh start DIR [PORT]   prints the server's base URI (postgresql://USER@127.0.0.1:PORT)
#   scripts/postgres/cluster.sh stop DIR
set -euo pipefail
cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR [PORT]" >&2; exit 1; }
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$bin/initdb" ] || { echo "cluster.sh: PostgreSQL server binaries not found (scripts/bootstrap.sh installs them)" >&2; exit 3; }
as=()
user="$(id -un)"
if [ "$(id -u)" -eq 0 ]; then as=(runuser -u postgres --); user=postgres; fi
case "$cmd" in
  start)
    port="${3:-54329}"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    "${as[@]}" "$bin/initdb" -D "$dir/data" -U "$user" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 3; }
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 3; }
    echo "postgresql://$user@127.0.0.1:$port"
    ;;
  stop)
    [ -d "$dir/data" ] && "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 1 ;;
esac
