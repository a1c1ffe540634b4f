"""What ships inside the package: the seed topologies and the JSON Schema of the YAML format.

They live in `emulator/topologies/` (package data, so an ordinary `pip install` carries them);
the repository's `topologies/` is a symlink to that folder.
"""
from __future__ import annotations

import shutil
import sys
from importlib import metadata, resources
from pathlib import Path

from .inputs.errors import InputError

SCHEMA_NAME = "topology.schema.json"


def topologies():
    """The folder of bundled topologies (a Traversable: a real folder for every ordinary install)."""
    return resources.files(__package__) / "topologies"


def version() -> str:
    """The installed distribution's version; a source tree that was never installed says so."""
    try:
        return metadata.version("vpcemu")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def add_parsers(verbs) -> None:
    verbs.add_parser("schema", help="print the JSON Schema of the YAML topology format")
    examples = verbs.add_parser("examples", help="copy the seed topologies and the schema into a new directory")
    examples.add_argument("directory", help="created; refused if it exists and is not empty")


def cmd_schema(args) -> int:
    sys.stdout.write((topologies() / SCHEMA_NAME).read_text(encoding="utf-8"))
    return 0


def cmd_examples(args) -> int:
    target = Path(args.directory)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError("exists and is not an empty directory; name a new one", file=args.directory)
    sources = sorted((s for s in topologies().iterdir() if s.name.endswith((".yaml", ".json"))),
                     key=lambda s: s.name)
    created, copied = not target.exists(), []
    try:
        target.mkdir(parents=True, exist_ok=True)
        for source in sources:
            with resources.as_file(source) as path:
                copied.append(target / source.name)
                shutil.copyfile(path, copied[-1])
    except OSError as error:  # nothing half-done: what this command made goes again
        for path in copied:
            path.unlink(missing_ok=True)
        if created:
            shutil.rmtree(target, ignore_errors=True)
        raise InputError(error.strerror or str(error), file=args.directory) from None
    for source in sources:
        print(target / source.name)
    return 0


VERBS = {"schema": cmd_schema, "examples": cmd_examples}
