"""Command help as the terminal should show it: every paragraph re-flowed to its width.

Why: Typer's rich help keeps a docstring's line breaks after the first paragraph, so a command
whose docstring wraps at the source's 100 columns printed half-empty lines in an 80-column
terminal (`skiptrace push --help`). One pass over the whole command tree, after every command
is registered, so a new command cannot be missed.
"""

from __future__ import annotations

import inspect

import typer


def reflow(doc: str) -> str:
    """A docstring as --help text: paragraphs kept, the line breaks inside each one dropped."""
    return "\n\n".join(" ".join(p.split()) for p in inspect.cleandoc(doc).split("\n\n"))


def reflow_all(app: typer.Typer) -> None:
    """Re-flow the help of every command and group of `app`, recursively."""
    for command in app.registered_commands:
        doc = command.help or (command.callback.__doc__ if command.callback else None)
        if doc:
            command.help = reflow(doc)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            reflow_all(group.typer_instance)
    for info in (app.info, *app.registered_groups):
        if isinstance(info.help, str):
            info.help = reflow(info.help)
