"""`python -m fasterapi.mcp` is the `fasterapi-mcp` command."""

import sys

from .cli import main

sys.exit(main())
