"""`python -m bench.nlu_report`: see bench/nlu_report/cli.py."""
import sys

from bench.nlu_report.cli import main

sys.exit(main())
