#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the sweep integration test (cmd/mfc
# TestSlurmSweep) and for trying 'mfc sweep --emit-slurm' by hand. Runs as root, without
# systemd: munged, then slurmctld and slurmd with a minimal slurm.conf in the state dir.
#
#   scripts/slurm-local.sh install   apt-get install slurm-wlm and munge if missing
#   scripts/slurm-local.sh start     start the cluster (a no-op when it runs); waits for the node
#   scripts/slurm-local.sh stop      stop the daemons this script started and remove the state dir
#   scripts/slurm-local.sh status    sinfo
#   scripts/slurm-local.sh env       the export line for the Slurm clients (SLURM_CONF)
#
# The state dir is $MFC_SLURM_DIR (default /tmp/mfc-slurm); the clients find the cluster
# through SLURM_CONF=$MFC_SLURM_DIR/slurm.conf (the test looks there when SLURM_CONF is unset).
set -euo pipefail

DIR="${MFC_SLURM_DIR:-/tmp/mfc-slurm}"
CONF="$DIR/slurm.conf"
export SLURM_CONF="$CONF"
MUNGE_KEY=/etc/munge/munge.key
MUNGE_RUN=/run/munge
TIMEOUT="${MFC_SLURM_TIMEOUT:-30}"

die() { echo "slurm-local: $*" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "run as root (the daemons run as root here)"; }

have_packages() { command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null; }

cmd_install() {
  need_root
  if have_packages; then
    echo "slurm-local: slurm-wlm and munge are installed"
    return
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends slurm-wlm munge; then
    # A fresh machine has no package lists yet.
    apt-get update
    apt-get install -y --no-install-recommends slurm-wlm munge
  fi
  have_packages || die "slurm-wlm and munge installed, but slurmctld, slurmd, sbatch or munged is not on PATH"
}

# pid_alive FILE: the process whose pid FILE holds runs.
pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
  if munge_ok; then
    return # a munged runs already (ours or the system's)
  fi
  if [ ! -s "$MUNGE_KEY" ]; then
    mkdir -p "$(dirname "$MUNGE_KEY")"
    if command -v mungekey >/dev/null; then
      mungekey --create --keyfile="$MUNGE_KEY"
    else
      dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none
    fi
  fi
  chown munge:munge "$(dirname "$MUNGE_KEY")" "$MUNGE_KEY"
  chmod 0700 "$(dirname "$MUNGE_KEY")"
  chmod 0400 "$MUNGE_KEY"
  mkdir -p "$MUNGE_RUN" /var/lib/munge /var/log/munge
  chown munge:munge "$MUNGE_RUN" /var/lib/munge /var/log/munge
  chmod 0755 "$MUNGE_RUN"
  runuser -u munge -- munged --pid-file="$MUNGE_RUN/munged.pid" --log-file=/var/log/munge/munged.log
  for _ in $(seq 50); do
    if munge_ok; then
      cp "$MUNGE_RUN/munged.pid" "$DIR/munged.pid" # ours: stop kills it
      return
    fi
    sleep 0.1
  done
  tail -n 20 /var/log/munge/munged.log >&2 || true
  die "munged does not answer (munge -n | unmunge fails)"
}

write_conf() {
  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log"
  cat >"$CONF" <<CONF
# Written by scripts/slurm-local.sh: a one-node cluster on localhost.
ClusterName=mfc-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
# Schedule at once on submission and completion (the default waits up to 3 s).
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
PluginDir=$(plugin_dir)
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldTimeout=30
SlurmdTimeout=30
MinJobAge=60
MaxArraySize=100001
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

# plugin_dir: where the Slurm plugins of this installation are (the Debian multiarch path,
# else next to libslurm).
plugin_dir() {
  local d
  for d in /usr/lib/*/slurm-wlm /usr/lib/slurm-wlm /usr/lib64/slurm /usr/lib/slurm /usr/local/lib/slurm; do
    if [ -e "$d/select_cons_tres.so" ]; then
      echo "$d"
      return
    fi
  done
  die "cannot find the Slurm plugins (select_cons_tres.so); is slurm-wlm installed? (scripts/slurm-local.sh install)"
}

logs() {
  local f
  for f in "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log"; do
    [ -f "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }
  done >&2
}

node_idle() { sinfo -h -N -o '%t' 2>/dev/null | grep -qx 'idle'; }

cmd_start() {
  need_root
  have_packages || die "Slurm is not installed: run scripts/slurm-local.sh install"
  if pid_alive "$DIR/slurmctld.pid" && pid_alive "$DIR/slurmd.pid" && node_idle; then
    echo "slurm-local: running (SLURM_CONF=$CONF)"
    return
  fi
  local t0
  t0=$(date +%s%N)
  stop_daemons
  mkdir -p "$DIR"
  start_munge
  write_conf
  slurmctld -c -f "$CONF"
  slurmd -c -f "$CONF"
  for _ in $(seq $((TIMEOUT * 10))); do
    if node_idle; then
      echo "slurm-local: node $(hostname -s) idle in $(awk "BEGIN { printf \"%.2f\", ($(date +%s%N) - $t0) / 1e9 }") s (export SLURM_CONF=$CONF)"
      return
    fi
    sleep 0.1
  done
  echo "slurm-local: the node is not idle after ${TIMEOUT} s:" >&2
  sinfo -N >&2 || true
  logs
  exit 1
}

# stop_pid FILE: TERM the process of FILE, then KILL it if it has not gone in 5 s.
stop_pid() {
  local f=$1 pid
  pid_alive "$f" || { rm -f "$f"; return; }
  pid=$(cat "$f")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$f"; return; }
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
}

stop_daemons() {
  stop_pid "$DIR/slurmd.pid"
  stop_pid "$DIR/slurmctld.pid"
}

cmd_stop() {
  need_root
  stop_daemons
  if [ -s "$DIR/munged.pid" ]; then
    stop_pid "$DIR/munged.pid"
    rm -f "$MUNGE_RUN/munged.pid"
  fi
  # Only what start made: MFC_SLURM_DIR may name a directory with other files.
  rm -rf "$DIR/state" "$DIR/spool" "$DIR/log" "$CONF"
  rmdir "$DIR" 2>/dev/null || true
  echo "slurm-local: stopped"
}

cmd_status() {
  [ -f "$CONF" ] || die "not running (no $CONF): scripts/slurm-local.sh start"
  sinfo
}

case "${1:-}" in
install) cmd_install ;;
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) echo "export SLURM_CONF=$CONF" ;;
*)
  echo "usage: $0 install|start|stop|status|env" >&2
  exit 2
  ;;
esac
