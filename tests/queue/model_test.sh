#!/usr/bin/env bash
# Checks the send protocol's model (queue/model/send_lease.pml) with Spin:
# the protocol as built must keep "never twice" for two and three workers
# (full search), and the model must be able to fail: herald before the fix
# (-DOLD) and the fix with one part taken away (-DNO_CHECK, -DWALL_CLOCK)
# must each give Spin a counterexample.
# (-DDRAIN_ANYWAY: a draining worker releases a send past its commit.)
#   model_test.sh <send_lease.pml> <work dir>
set -euo pipefail
model=$(realpath "$1")
work=$2
mkdir -p "$work"
cd "$work"

# check <expect: pass|fail> <spin -D flags...>
check() {
  local expect=$1
  shift
  spin "$@" -a "$model" >/dev/null
  gcc -O2 -w -DVECTORSZ=2048 -DCOLLAPSE -o pan pan.c
  ./pan -a -m10000000 >out.txt 2>&1 || true
  local errors
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' out.txt)
  if [ -z "$errors" ]; then
    echo "FAIL ($*): pan gave no verdict"; cat out.txt; exit 1
  fi
  if grep -q "max search depth too small" out.txt; then
    echo "FAIL ($*): the search was cut short"; exit 1
  fi
  local states
  states=$(sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' out.txt)
  if [ "$expect" = pass ] && [ "$errors" -ne 0 ]; then
    echo "FAIL ($*): a second send the protocol should prevent"; spin -t -p "$model" | tail -40; exit 1
  fi
  if [ "$expect" = fail ] && [ "$errors" -eq 0 ]; then
    echo "FAIL ($*): Spin found no counterexample, so the model cannot tell"; exit 1
  fi
  echo "ok ($expect, ${*:-fixed}): $states states, errors: $errors"
}

check pass -DWORKERS=2
check pass -DWORKERS=3
check fail -DOLD
check fail -DNO_CHECK
check fail -DWALL_CLOCK
check fail -DDRAIN_ANYWAY
