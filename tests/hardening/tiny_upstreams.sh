#!/bin/sh
# Tiny stdio upstreams for the spawn-and-kill cycles. They never speak MCP: what matters is how
# hard they are to stop, and a shell starts in about a millisecond where Python takes 20+.
# $1 picks the behaviour; every process here inherits the test's marker variable.
case "$1" in
  polite) while read -r _; do :; done ;;                       # ends at EOF on stdin
  deaf) trap '' TERM; exec sleep 600 ;;                        # ignores EOF and SIGTERM
  family) trap '' TERM; sleep 600 & exec sleep 600 ;;          # + a grandchild in its group on the pipes
  escapee) trap '' TERM; setsid sleep 600 & exec sleep 600 ;;  # + a grandchild in its own session on the pipes
  # + a grandchild in its own session holding stdin only (a daemon that closed its output)
  # (an asynchronous list gets /dev/null as stdin unless redirected: hence the copy on fd 3)
  stdin_escapee) trap '' TERM; exec 3<&0; setsid sleep 600 <&3 3<&- >/dev/null 2>&1 & exec sleep 600 3<&- ;;
  *) echo "unknown kind $1" >&2; exit 2 ;;
esac
