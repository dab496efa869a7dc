"""`stimulans <command>` registers only the command it runs (issue #13: cold start); the map from
command to module must say what the modules really register."""
import argparse
import importlib

from bot.cli import COMMAND_MODULES, COMMAND_OF, build_parser


def _registered_by(module: str) -> set[str]:
    sub = argparse.ArgumentParser().add_subparsers(dest="command")
    importlib.import_module(f"bot.cli.commands.{module}").register(sub)
    return set(sub.choices)


def test_each_mapped_command_is_registered_by_its_module():
    for command, module in COMMAND_OF.items():
        assert module in COMMAND_MODULES, command
        assert command in _registered_by(module), (command, module)


def test_every_command_of_every_module_is_mapped():
    everything = {c for m in COMMAND_MODULES for c in _registered_by(m)}
    assert everything == set(COMMAND_OF)


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def test_one_command_registers_its_module_only_and_help_registers_all():
    assert _commands(build_parser(["ask", "Hur mycket får Falun 2020?"])) == {"ask"}
    assert _commands(build_parser(["-v", "update", "Falun", "status", "rekvirerad"])) == _registered_by("sheet")
    everything = set(COMMAND_OF)
    assert _commands(build_parser()) == everything
    assert _commands(build_parser(["--help"])) == everything
    assert _commands(build_parser(["-h", "ask"])) == everything
    assert _commands(build_parser(["okänt-kommando"])) == everything  # argparse names every choice
    args = build_parser(["ask", "--json", "moms?"]).parse_args(["ask", "--json", "moms?"])
    assert args.command == "ask" and args.json and args.question == ["moms?"]
