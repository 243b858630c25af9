import sys

from planner.running.cli import main

sys.exit(main())
