"""``pasienis schema``: check and list the entity schemata (standard + customs + admin YAML)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from pasienis.cli.context import settings
from pasienis.model import install_model
from pasienis.model.catalog import describe_schema, list_schemata

app = typer.Typer(help="Entity schemata defined in YAML.", no_args_is_help=True)
out = Console()


@app.command("check")
def check_command() -> None:
    """Check every schema YAML file and build the model; errors name file and line."""
    folder = install_model(settings())
    out.print(f"schema OK: {len(list_schemata())} schemata assembled in {folder}")


@app.command("list")
def list_command() -> None:
    """List the schemata an entity can have."""
    install_model(settings())
    table = Table("schema", "label", "extends", "properties")
    for item in list_schemata():
        table.add_row(item["name"], item["label"], ", ".join(item["extends"]), str(item["count"]))
    out.print(table)


@app.command("show")
def show_command(name: str = typer.Argument(..., help="Schema name, e.g. PlateRead.")) -> None:
    """Show one schema's properties and their types."""
    install_model(settings())
    info = describe_schema(name)
    table = Table("property", "label", "type", "range", title=f"{info['name']} — {info['label']}")
    for prop in info["properties"]:
        table.add_row(prop["name"], prop["label"], prop["type"], prop["range"] or "")
    out.print(table)


@app.command("docs")
def docs_command(
    path: Path = typer.Option(Path("docs/mappings.md"), "--path", help="The document to update."),
    check: bool = typer.Option(False, "--check", help="Only say whether it is up to date."),
) -> None:
    """Write the generated reference (event tables, schemata) into docs/mappings.md."""
    from pasienis.model.reference import with_reference, write_reference

    install_model(settings())
    if check:
        current = path.read_text(encoding="utf-8")
        if with_reference(current) != current:
            out.print(f"{path} is out of date: run `pasienis schema docs`")
            raise typer.Exit(code=1)
        out.print(f"{path} is up to date")
        return
    changed = write_reference(path)
    out.print(f"{path}: {'reference updated' if changed else 'already up to date'}")
