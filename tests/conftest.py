import sys
from pathlib import Path

# tests/support is shared by every test folder.
sys.path.insert(0, str(Path(__file__).parent))
