"""``python -m cli`` runs the same command as ``sanctions-ledger``."""

from cli.main import main

main(prog_name="sanctions-ledger")
