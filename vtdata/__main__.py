"""`python -m vtdata` is the `vtdata` command."""

from vtdata.cli import main

main()
