"""Run the command line as `python -m vlmnotes`."""

from vlmnotes.entry import main

main()
