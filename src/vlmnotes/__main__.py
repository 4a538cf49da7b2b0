"""Run the command line as `python -m vlmnotes`."""

from vlmnotes.cli import main

main()
