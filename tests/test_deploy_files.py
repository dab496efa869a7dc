"""Deployment files: Dockerfile, .dockerignore, compose.yaml, .env.example, Procfile, systemd units.

Checked without Docker (parsed here); `docker compose config` and `docker build` run only where Docker is
available and are skipped with the reason otherwise."""
from __future__ import annotations

import configparser
import fnmatch
import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from bot.cli import build_parser
from config.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SECRET_WORDS = re.compile(r"TOKEN|SECRET|PASSWORD|CREDENTIALS|PRIVATE|API_?KEY", re.I)


def parses_as_cli(argv: list[str]) -> None:
    """The command is a real `stimulans` invocation (catches typos in deploy files)."""
    args = build_parser().parse_args(argv)
    assert getattr(args, "func", None), argv


# --------------------------------------------------------------------------- Dockerfile

def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with comments dropped and continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    out: list[tuple[str, str]] = []
    args: dict[str, str] = {}  # ARG defaults before the first FROM, substituted into FROM lines
    for line in text.splitlines():
        if line.strip():
            instruction, _, rest = line.strip().partition(" ")
            instruction, rest = instruction.upper(), rest.strip()
            if instruction == "ARG" and "=" in rest and not any(ins == "FROM" for ins, _ in out):
                name, _, default = rest.partition("=")
                args[name] = default
            if instruction == "FROM":
                rest = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), rest)
            out.append((instruction, rest))
    return out


def final_stage() -> list[tuple[str, str]]:
    steps = dockerfile()
    last_from = max(i for i, (ins, _) in enumerate(steps) if ins == "FROM")
    return steps[last_from:]


def test_dockerfile_runs_as_a_non_root_user():
    users = [rest for ins, rest in final_stage() if ins == "USER"]
    assert users, "the final stage needs a USER"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_dockerfile_is_slim_and_recent_python():
    images = [rest.split()[0] for ins, rest in dockerfile() if ins == "FROM"]
    for image in images:
        m = re.match(r"python:(\d+)\.(\d+)-slim", image)
        assert m and (int(m.group(1)), int(m.group(2))) >= (3, 11), image


def test_dockerfile_healthcheck_uses_the_cli_in_both_modes():
    checks = [rest for ins, rest in final_stage() if ins == "HEALTHCHECK"]
    assert len(checks) == 1
    m = re.search(r"CMD (\[.*\])", checks[0])
    assert m, checks[0]
    argv = yaml.safe_load(m.group(1))
    assert argv[:2] == ["sh", "-c"] and argv[2].endswith("|| exit 1")  # Docker reserves exit code 2
    command = shlex.split(argv[2].removesuffix("|| exit 1"))
    assert command[:2] == ["stimulans", "healthcheck"]
    parses_as_cli(command[1:])
    assert "--start-period" in checks[0]
    entry = yaml.safe_load(next(rest for ins, rest in final_stage() if ins == "ENTRYPOINT"))
    cmd = yaml.safe_load(next(rest for ins, rest in final_stage() if ins == "CMD"))
    assert entry == ["stimulans"] and cmd == ["serve"]
    parses_as_cli(cmd)


def test_dockerfile_bakes_in_no_secret():
    for ins, rest in dockerfile():
        if ins in {"ENV", "ARG", "LABEL"}:
            names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", rest) or [rest.split()[0]]
            assert not [n for n in names if SECRET_WORDS.search(n)], f"{ins} {rest}"
        if ins in {"COPY", "ADD"}:
            sources = [s for s in rest.split()[:-1] if not s.startswith("--")]
            assert not [s for s in sources if s == "." or ".env" in s or s.endswith(".json")], \
                f"{ins} {rest}: copy only the packages, never the whole context"


def test_the_packages_the_image_copies_are_all_the_packages():
    copied = {s.removeprefix("./") for ins, rest in dockerfile() if ins == "COPY" and not rest.startswith("--from")
              for s in rest.split()[:-1]}
    assert {"bot", "engine", "sheets", "config", "pyproject.toml", "README.md"} <= copied
    assert '".[all]"' in " ".join(rest for ins, rest in dockerfile() if ins == "RUN")


def test_dockerignore_keeps_secrets_and_local_state_out():
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
                if p.strip() and not p.startswith("#")]

    def ignored(path: str) -> bool:
        return any(fnmatch.fnmatch(path, p.strip("/")) or fnmatch.fnmatch(path.split("/")[0] + "/", p.lstrip("/"))
                   or fnmatch.fnmatch(path.split("/")[0], p.strip("/")) for p in patterns)

    for path in [".env", ".env.production", ".venv/bin/python", "data/stimulans.xlsx", "service-account.json",
                 "my-credentials.json", ".git/config"]:
        assert ignored(path), path
    for path in ["pyproject.toml", "README.md", "bot/cli/__init__.py", "config/knowledge/recipients.yaml"]:
        assert not ignored(path), path


# --------------------------------------------------------------------------- compose

def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_has_bot_clock_and_optional_redis():
    services = compose()["services"]
    assert {"bot", "clock", "redis"} <= set(services)
    assert services["bot"]["command"] == ["serve"]
    assert services["clock"]["command"] == ["remind", "--loop", "15", "--dm"]
    for name in ("bot", "clock", "web"):
        parses_as_cli(services[name]["command"])
    assert services["redis"]["profiles"] == ["redis"] and "redis" in services["redis"]["image"]
    assert services["web"]["profiles"] == ["http"] and "--http" in services["web"]["command"]
    assert "bot" not in compose().get("profiles", []) and "profiles" not in services["bot"]


def test_compose_services_are_built_here_read_secrets_at_run_time_and_keep_health():
    services = compose()["services"]
    for name in ("bot", "clock", "web"):
        svc = services[name]
        assert svc["build"] == "." and svc["env_file"][0]["path"] == ".env"
        assert svc.get("read_only") is True and "/tmp" in svc["tmpfs"]
        env = svc.get("environment") or {}
        assert not [k for k in env if SECRET_WORDS.search(k)], f"{name}: secrets belong in .env"
        assert any(str(v).endswith(":/data") for v in svc["volumes"])  # the shared workbook volume
    assert "healthcheck" not in services["bot"]  # the image's HEALTHCHECK (Socket Mode heartbeat)
    assert services["clock"]["healthcheck"] == {"disable": True}
    assert services["redis"]["healthcheck"]["test"][:2] == ["CMD", "redis-cli"]


def _docker_compose_available() -> str | None:
    if not shutil.which("docker"):
        return "docker is not installed"
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=30)
    return None if probe.returncode == 0 else "the docker compose plugin is not installed"


def test_docker_compose_config_validates(tmp_path):
    reason = _docker_compose_available()
    if reason:
        pytest.skip(f"{reason}: compose.yaml checked by the YAML tests above instead")
    proc = subprocess.run(["docker", "compose", "-f", str(ROOT / "compose.yaml"), "--profile", "http",
                           "--profile", "redis", "config", "--quiet"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr


def _base_image() -> str:
    """The image to build on: the Dockerfile's, or STIMULANS_TEST_PYTHON_IMAGE (a local or mirrored one)."""
    return os.environ.get("STIMULANS_TEST_PYTHON_IMAGE") or next(
        rest.split()[0] for ins, rest in dockerfile() if ins == "FROM")


def _docker_daemon() -> str | None:
    """None when `docker build` can run here, else why not (no docker, no daemon, no base image)."""
    if not shutil.which("docker"):
        return "docker is not installed"
    probe = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return "no Docker daemon is running (`docker info` fails)"
    image = _base_image()
    have = subprocess.run(["docker", "image", "inspect", image], capture_output=True, text=True, timeout=30)
    if have.returncode != 0:
        pull = subprocess.run(["docker", "pull", image], capture_output=True, text=True, timeout=300)
        if pull.returncode != 0:
            return (f"the base image {image} cannot be pulled here ({pull.stderr.strip()[:120]}); "
                    "STIMULANS_TEST_PYTHON_IMAGE can name a local one")
    return None


def _wait_healthy(name: str, timeout: float = 90) -> str:
    """Poll docker's health status (bounded); returns the last status."""
    deadline = time.monotonic() + timeout
    status = ""
    while time.monotonic() < deadline:
        status = subprocess.run(["docker", "inspect", "--format", "{{.State.Health.Status}}", name],
                                capture_output=True, text=True, timeout=30).stdout.strip()
        if status in {"healthy", "unhealthy"}:
            return status
        time.sleep(1)
    return status


@pytest.mark.slow
def test_image_builds_runs_as_non_root_answers_and_turns_healthy_in_both_modes():
    reason = _docker_daemon()
    if reason:
        pytest.skip(f"{reason}: the Dockerfile is checked by the parsing tests above instead")
    from tests.slack_support import BOT_TOKEN, MockSlack
    from tests.socket_mode_support import SocketModeServer

    tag = "stimulans-test:latest"
    build = subprocess.run(["docker", "build", "--build-arg", f"PYTHON_IMAGE={_base_image()}", "-t", tag,
                            str(ROOT)], capture_output=True, text=True, timeout=1200)
    assert build.returncode == 0, build.stderr[-3000:]
    uid = subprocess.run(["docker", "run", "--rm", "--entrypoint", "id", tag, "-u"], capture_output=True,
                         text=True, timeout=120)
    assert uid.stdout.strip() not in {"", "0"}
    ask = subprocess.run(["docker", "run", "--rm", tag, "ask", "Hur mycket får Falun 2020?"], capture_output=True,
                         text=True, timeout=120)
    assert ask.returncode == 0 and "1 726 309 kr" in ask.stdout, ask.stderr

    ws = SocketModeServer()
    mock = MockSlack()
    plain = mock._reply
    mock._reply = lambda call: ({"ok": True, "url": ws.url} if call.method == "apps.connections.open"
                                else plain(call))
    port = _free_port()
    common = ["docker", "run", "-d", "--network", "host", "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL",
              "--security-opt", "no-new-privileges", "--health-interval", "2s", "--health-start-period", "0s",
              "-e", f"SLACK_BOT_TOKEN={BOT_TOKEN}", "-e", f"SLACK_API_URL={mock.url}"]
    runs = {"stimulans-test-socket": [*common, "-e", "SLACK_APP_TOKEN=xapp-1-test", tag],
            "stimulans-test-http": [*common, "-e", "SLACK_SIGNING_SECRET=secret", "-e", f"PORT={port}", tag,
                                    "serve", "--http"]}
    try:
        for name, argv in runs.items():
            subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
            started = subprocess.run([*argv[:3], "--name", name, *argv[3:]], capture_output=True, text=True,
                                     timeout=120)
            assert started.returncode == 0, started.stderr
        for name in runs:
            assert _wait_healthy(name) == "healthy", subprocess.run(
                ["docker", "logs", name], capture_output=True, text=True, timeout=60).stderr[-2000:]
    finally:
        for name in runs:
            subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
        ws.close()
        mock.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- .env.example, Procfile

def env_example() -> str:
    return (ROOT / ".env.example").read_text(encoding="utf-8")


def test_env_example_names_every_setting():
    text = env_example()
    named = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, re.M))
    settings = set(Settings.variables().values())
    assert settings - named == set(), f".env.example lacks {settings - named}"
    # variables read outside config/settings.py
    code = "\n".join(p.read_text(encoding="utf-8") for d in ("bot", "sheets", "engine", "config")
                     for p in (ROOT / d).rglob("*.py"))
    direct = set(re.findall(r"os\.environ(?:\.get\(|\[)\s*[\"']([A-Z][A-Z0-9_]+)", code))  # not WSGI environ
    direct |= set(re.findall(r"getenv\(\s*[\"']([A-Z][A-Z0-9_]+)", code))
    direct |= set(re.findall(r"^[A-Z_]+_ENV = \"([A-Z][A-Z0-9_]+)\"", code, re.M))
    assert direct - named == set(), f".env.example lacks {direct - named}"
    assert {"PORT", "STIMULANS_HEARTBEAT_FILE"} <= named


def test_env_example_as_is_is_a_valid_empty_configuration(tmp_path):
    """Everything is commented out, so copying it unchanged gives the local defaults, not an error."""
    assert not [line for line in env_example().splitlines() if line.strip() and not line.startswith("#")]
    settings = Settings(_env_file=ROOT / ".env.example")
    assert not settings.google_configured and settings.slack_bot_token is None


def test_procfile_clock_sends_dms_and_web_uses_the_gunicorn_config():
    procs = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.startswith("#"))
    clock = shlex.split(procs["clock"])
    assert clock[0] == "stimulans" and "--dm" in clock and "--loop" in clock
    parses_as_cli(clock[1:])
    parses_as_cli(shlex.split(procs["worker"])[1:])
    assert "-c python:bot.slack.gunicorn_conf" in procs["web"]  # workers, threads and timeouts in one place


# --------------------------------------------------------------------------- systemd

UNITS = sorted((ROOT / "deploy" / "systemd").glob("stimulans-*"))


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def test_systemd_units_exist():
    names = {p.name for p in UNITS}
    assert {"stimulans-bot.service", "stimulans-remind.service", "stimulans-remind.timer"} <= names


@pytest.mark.parametrize("path", [p for p in UNITS if p.suffix == ".service"], ids=lambda p: p.name)
def test_systemd_service_runs_a_real_command_unprivileged(path):
    service = unit(path)["Service"]
    argv = shlex.split(service["ExecStart"])
    assert argv[0] == "/opt/stimulans/.venv/bin/stimulans"
    parses_as_cli(argv[1:])
    assert service["User"] == "stimulans" and service["NoNewPrivileges"] == "yes"
    assert service["EnvironmentFile"] == "/etc/stimulans/stimulans.env"
    assert service["ProtectSystem"] == "strict" and service["StateDirectory"] == "stimulans"


def test_socket_mode_unit_keeps_a_heartbeat_and_the_timer_runs_reminders_with_dms():
    bot = unit(ROOT / "deploy/systemd/stimulans-bot.service")["Service"]
    assert shlex.split(bot["ExecStart"])[1:] == ["serve"] and bot["Restart"] == "on-failure"
    assert "STIMULANS_HEARTBEAT_FILE=/run/stimulans/heartbeat" in bot["Environment"] or \
        "STIMULANS_HEARTBEAT_FILE" in (ROOT / "deploy/systemd/stimulans-bot.service").read_text()
    remind = unit(ROOT / "deploy/systemd/stimulans-remind.service")["Service"]
    assert remind["Type"] == "oneshot" and "--dm" in remind["ExecStart"] and "--loop" not in remind["ExecStart"]
    timer = unit(ROOT / "deploy/systemd/stimulans-remind.timer")["Timer"]
    assert timer["OnCalendar"] == "*:0/15" and timer["Persistent"] == "yes"


def test_systemd_analyze_verify(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed: the units are checked by the parsing tests above")
    fake = tmp_path / "stimulans"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    for path in UNITS:  # the same units, pointing at an executable that exists here
        text = path.read_text(encoding="utf-8").replace("/opt/stimulans/.venv/bin/stimulans", str(fake))
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    proc = subprocess.run(["systemd-analyze", "verify", *[str(tmp_path / p.name) for p in UNITS]],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0 and "Failed to " in proc.stderr and "/" not in proc.stderr.split(":")[0]:
        pytest.skip(f"systemd-analyze cannot run here: {proc.stderr.strip()[:200]}")
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr


# --------------------------------------------------------------------------- the guide

def test_deploy_guide_covers_the_shapes_and_the_caveats():
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for needle in ("Socket Mode on a VM with systemd", "HTTP mode on a PaaS", "ephemeral disk", "private copy",
                   "STIMULANS_GOOGLE_SHEET", "How reminders are scheduled", "remind --loop 15 --dm",
                   "stimulans-remind.timer", "stimulans doctor", "stimulans healthcheck", "/healthz",
                   "pip install 'stimulans[slack]'", "compose"):
        assert needle in guide, needle


def test_gunicorn_config_refuses_several_workers_without_redis():
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "WEB_CONCURRENCY": "4"}
    proc = subprocess.run([sys.executable, "-c", "import bot.slack.gunicorn_conf"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "REDIS_URL" in proc.stderr
    ok = subprocess.run([sys.executable, "-c", "import bot.slack.gunicorn_conf as c; print(c.workers)"], cwd=ROOT,
                        env={**env, "REDIS_URL": "redis://127.0.0.1:1/0"}, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and ok.stdout.strip() == "4"
