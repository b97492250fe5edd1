#!/bin/sh
# Tiny stdio upstreams for the spawn-and-kill cycles. They never speak MCP: what matters is how
# hard they are to stop, and a shell starts in about a millisecond where Python takes 20+.
# $1 picks the behaviour; every process here inherits the test's marker variable.
case "$1" in
  polite) exec cat >/dev/null ;;                               # ends at EOF on stdin
  deaf) trap '' TERM; exec sleep 600 ;;                        # ignores EOF and SIGTERM
  family) trap '' TERM; sleep 600 & exec sleep 600 ;;          # + a grandchild in its group on the pipes
  escapee) trap '' TERM; setsid sleep 600 & exec sleep 600 ;;  # + a grandchild in its own session on the pipes
  *) echo "unknown kind $1" >&2; exit 2 ;;
esac
