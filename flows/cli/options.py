"""Command-line options generated from a pydantic model's fields.

Why: `run` and `serve` take the refresh's settings, and when each command declared them again
they drifted (a documented option that did not exist, a range checked by one command and not
the other). Here an option is derived from the field: its flag from the field name, its help
from the field's description plus its range, its default from the field's default. The values
are then validated by the model itself, so the range is checked by one piece of code for every
way a refresh is started (command line, served deployment, prefect.yaml).

The type given to Typer is the field's plain type (`Path | None` -> Path); a date is read as
text and parsed by the model, so `--as-of 11/01/2026` gets the model's one-line message.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

F = TypeVar("F", bound=Callable[..., Any])

#: Fields whose flag is not `--field-name` (kept short where users type it nightly).
FLAG_NAMES: dict[str, str] = {"lock_wait": "--wait"}

#: The keyword argument a decorated command receives the model's option values in.
OPTIONS_ARG = "options"


def flag_for(name: str) -> str:
    """The command-line flag of a model field."""
    return FLAG_NAMES.get(name, "--" + name.replace("_", "-"))


def _plain_type(annotation: Any) -> type:
    """The type Typer converts the option's text to: Optional stripped, dates as text."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]
    if annotation in (dt.date, dt.datetime):
        return str
    if typing.get_origin(annotation) is typing.Literal:
        return str  # the model checks the choice, with its one-line message; help lists them
    if annotation in (str, int, float, bool, Path):
        return annotation
    raise TypeError(f"no command-line type for {annotation!r}")


def _choices(annotation: Any) -> list[str]:
    """The allowed values of a Literal field (Optional or not), else []."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(candidate) is typing.Literal:
            return [str(v) for v in typing.get_args(candidate)]
    return []


def range_text(info: FieldInfo) -> str:
    """The field's bounds the way click prints ranges, e.g. `0<x<=1`, or ''."""
    low = high = ""
    for m in info.metadata:
        if getattr(m, "gt", None) is not None:
            low = f"{m.gt}<"
        if getattr(m, "ge", None) is not None:
            low = f"{m.ge}<="
        if getattr(m, "lt", None) is not None:
            high = f"<{m.lt}"
        if getattr(m, "le", None) is not None:
            high = f"<={m.le}"
    return f"{low}x{high}" if low or high else ""


def _command_default(info: FieldInfo) -> Any:
    """Required: `...`; a plain default: itself; a computed one (today, $SKIPTRACE_DB): None."""
    if info.is_required():
        return ...
    if info.default is not PydanticUndefined and info.default_factory is None:
        return info.default
    return None


def option_parameter(
    model: type[BaseModel], name: str, *, default: Any = PydanticUndefined, panel: str | None = None
) -> inspect.Parameter:
    """One keyword parameter, annotated with a `typer.Option` built from `model`'s field.

    `default` overrides the model's default for this command (serve waits for the database by
    default, run does not). Fields without a plain default (required ones, or computed by a
    factory such as today's date) get None: the model then fills them in.
    """
    info = model.model_fields[name]
    kind = _plain_type(info.annotation)
    if default is PydanticUndefined:
        default = _command_default(info)
    flag = flag_for(name)
    if kind is bool:
        decl = flag if not default else f"{flag}/--no-{flag.removeprefix('--')}"
    else:
        decl = flag
    bounds = range_text(info)
    help_text = (info.description or "").strip()
    if bounds:
        help_text = f"{help_text} [{bounds}]"
    choices = _choices(info.annotation)
    if choices:
        help_text = f"{help_text} [one of: {', '.join(choices)}]"
    option = typer.Option(
        decl, help=help_text, show_default=default not in (None, ...), rich_help_panel=panel
    )
    annotation: Any = Annotated[kind if default is not None else kind | None, option]
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


def with_model_options(
    model: type[BaseModel],
    *,
    exclude: Iterable[str] = (),
    defaults: Mapping[str, Any] | None = None,
    panel: str | None = None,
) -> Callable[[F], F]:
    """Decorator: the command gets one option per field of `model` (minus `exclude`).

    The decorated function declares its own parameters as usual plus `options`: a dict of the
    model options the user *gave* (None = not given, so the model's default applies). Typer
    sees the combined signature, the function's own parameters first.
    """
    skip = set(exclude)
    overrides = dict(defaults or {})
    names = [n for n in model.model_fields if n not in skip]
    unknown = sorted((set(overrides) | skip) - set(model.model_fields))
    if unknown:
        raise ValueError(f"not fields of {model.__name__}: {unknown}")

    def decorate(func: F) -> F:
        own = [
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
            for p in inspect.signature(func, eval_str=True).parameters.values()
            if p.name != OPTIONS_ARG
        ]
        generated = [
            option_parameter(model, n, default=overrides.get(n, PydanticUndefined), panel=panel)
            for n in names
        ]

        @functools.wraps(func)
        def command(**kwargs: Any) -> Any:
            given = {n: kwargs.pop(n) for n in names}
            return func(**kwargs, **{OPTIONS_ARG: given})

        parameters = generated + own
        command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in parameters}
        del command.__wrapped__  # Typer must read the generated signature, not func's
        command.model_options = tuple(names)  # type: ignore[attr-defined]
        return command  # type: ignore[return-value]

    return decorate


def iso_date(value: str, flag: str) -> dt.date:
    """A date option given as text (`--on`, `--since`, `generate --as-of`): ISO only, as the
    run's `--as-of` (11/01/2026 is November 1st to some, January 11th to others); anything
    else is one usage line naming the option."""
    from skiptrace.errors import UsageError

    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(
            f"{flag}: expected a date as YYYY-MM-DD, e.g. 2026-11-01 (got {value!r})"
        ) from None


def given(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options the user set (or a command default set): None means "model default"."""
    return {k: v for k, v in options.items() if v is not None}
