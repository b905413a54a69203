"""``python -m lib.config --markdown``: print docs/configuration.md."""

import sys

from lib.config.markdown import main

if __name__ == "__main__":
    sys.exit(main())
