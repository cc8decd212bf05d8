"""``python -m cli`` runs the same command as ``sanctions-ledger``."""

from cli.main import main

if __name__ == "__main__":  # not when a child process of an import imports it
    main(prog_name="sanctions-ledger")
