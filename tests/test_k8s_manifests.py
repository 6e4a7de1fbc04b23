"""deploy/k8s/ validates against the Kubernetes JSON schemas (kubernetes-validate, bundled, offline)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from service.settings import SETTINGS

kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="kubernetes-validate is in the [dev] extra")

K8S = Path(__file__).resolve().parent.parent / "deploy" / "k8s"
#: The oldest Kubernetes minor the manifests are written for (the preStop ``sleep`` action is GA in 1.34).
KUBERNETES_VERSION = "1.34.0"
MANIFESTS = sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")


def _resources() -> list[tuple[str, dict]]:
    return [(f"{path.name}#{i}", doc) for path in MANIFESTS
            for i, doc in enumerate(yaml.safe_load_all(path.read_text(encoding="utf-8"))) if doc]


def _by_kind() -> dict[str, dict]:
    return {doc["kind"]: doc for _, doc in _resources()}


@pytest.mark.parametrize("name,resource", _resources(), ids=[name for name, _ in _resources()])
def test_manifest_matches_the_kubernetes_schema(name, resource):
    # strict: an unknown or misspelt field is an error, not silently dropped by the API server.
    kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("change", [{"replicas": "two"}, {"replica": 2}], ids=["wrong type", "misspelt field"])
def test_the_validator_rejects_a_broken_manifest(change):
    deployment = _by_kind()["Deployment"]
    broken = {**deployment, "spec": {**deployment["spec"], **change}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_kustomization_applies_every_manifest_but_the_example_secret():
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))["resources"])
    assert listed == {path.name for path in MANIFESTS} - {"secret.example.yaml"}


def test_the_deployment_reads_only_settings_the_service_knows():
    kinds = _by_kind()
    container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    env_names = set(kinds["ConfigMap"]["data"]) | {item["name"] for item in container["env"]}
    env_names |= set(kinds["Secret"]["stringData"])
    known = set(SETTINGS.values()) | {"BENTOML_DO_NOT_TRACK"}
    assert env_names <= known, f"unknown settings: {env_names - known}"
    assert {"HEADLINE_LENS_API_KEYS", "HEADLINE_LENS_CORS_ORIGINS"} <= env_names
    probes = {probe: container[probe]["httpGet"]["path"] for probe in ("livenessProbe", "readinessProbe")}
    assert probes == {"livenessProbe": "/livez", "readinessProbe": "/readyz"}
    # Model threads match the CPU the pod asks for.
    assert kinds["ConfigMap"]["data"]["HEADLINE_LENS_THREADS"] == container["resources"]["requests"]["cpu"]
