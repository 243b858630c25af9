from planner.cli import main
import sys

sys.exit(main())
