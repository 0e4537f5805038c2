"""``noiseloom`` with no subcommand: open the studio.

``main(argv)`` starts the Qt application with the dark theme, the main window and a local engine (or
connects to ``--engine URL --token T``), offers to recover autosaves of a session that crashed, opens
a project given on the command line, and runs the event loop.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from app.main_window import MainWindow
from app.project.autosave import pending_recoveries
from app.theme import apply_theme


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="noiseloom", description="NoiseLoom Studio")
    parser.add_argument("project", nargs="?", type=Path, help="a .nloom project to open")
    parser.add_argument("--engine", metavar="URL", help="use a running engine instead of starting one")
    parser.add_argument("--token", help="the running engine's token (see its data folder's token file)")
    parser.add_argument("--engine-data-dir", type=Path, help="data folder of the local engine")
    parser.add_argument("--devices", help="devices of the local engine: auto, cpu:N, cuda:0,1 "
                        "(default: Engine settings)")
    return parser


def offer_recoveries(window: MainWindow) -> None:
    recent = [Path(p) for p in (window.settings.value("recent", []) or [])]
    for recovery in pending_recoveries(window.autosaver.autosave_dir, recent):
        name = recovery.project_path.name if recovery.project_path else "an untitled project"
        answer = QMessageBox.question(
            window, "Recover unsaved work",
            f"NoiseLoom did not close cleanly. Recover the autosave of {name}?\n\n{recovery.autosave}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard)
        if answer == QMessageBox.StandardButton.Yes:
            window.recover(recovery)
            return
        recovery.autosave.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.engine and not args.token:
        print("error: --engine needs --token (the engine's token file is in its data folder)", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("NoiseLoom Studio")
    app.setOrganizationName("NoiseLoom")
    apply_theme(app)
    window = MainWindow()
    if args.engine:
        window.client.connect_to(args.engine, args.token)
    elif args.engine_data_dir or args.devices:
        window.client.start_local(args.engine_data_dir, args.devices or "auto")
    else:
        window.start_engine()
    window.show()
    offer_recoveries(window)
    if args.project:
        window.open_project(args.project)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
