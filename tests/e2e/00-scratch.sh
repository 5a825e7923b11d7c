#!/bin/sh
. "$(dirname "$0")/lib.sh"
e2e_init
topo_standard 1
start_mcrd relay --stats-interval 300 -r "cam1=$RELAY_IN,239.1.1.1:5000 -> $(topo_out 1)"
run_gen src -i "$SRC_IF" -g 239.1.1.1:5000 -r 10000 -c 5000 -d 10
kill -USR1 $MCRD_PID; sleep 0.5
pid_alive $MCRD_PID && echo alive
cat $MCRD_OUT
stop_mcrd
cat $MCRD_OUT; tail -3 $MCRD_ERR
pass
