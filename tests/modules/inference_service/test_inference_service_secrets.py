"""Credentials go in `secrets`, never in `extra`; a secret name is a variable of its own."""

from __future__ import annotations

import dataclasses

import pytest
from inferfleet_inference_service import InferenceServiceArgs, ModelServerArgs, service_objects
from inferfleet_inference_service.args import AcceleratorArgs, looks_like_credential, validate_server

SERVER = ModelServerArgs(model_name="autoglm-phone-9b")
NVIDIA = AcceleratorArgs(family="nvidia", resource="nvidia.com/gpu")
IMAGE = "registry.example.com/inference/server@sha256:" + "3" * 64


@pytest.mark.parametrize(
    ("name", "credential"),
    [
        ("HF_TOKEN", True),
        ("hf_token", True),
        ("HFTOKEN", True),
        ("API_KEY", True),
        ("OPENAI_APIKEY", True),
        ("DB_PASSWORD", True),
        ("CLIENT_SECRET", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("MAX_TOKENS", False),
        ("MAX_NEW_TOKENS", False),
        ("TENSOR_PARALLEL", False),
        ("KV_CACHE_DTYPE", False),
        ("MONKEY", False),
    ],
)
def test_credential_names_are_recognised_by_their_words(name: str, credential: bool) -> None:
    assert looks_like_credential(name) is credential


def test_a_credential_in_extra_points_to_secrets() -> None:
    with pytest.raises(ValueError, match=r"server.extra: \['HF_TOKEN'\] look like credentials.*`secrets`"):
        validate_server(dataclasses.replace(SERVER, extra={"HF_TOKEN": "hf_x"}))


@pytest.mark.parametrize(
    ("secrets", "extra", "message"),
    [
        ({"MODEL_PATH": "x"}, {}, r"\['MODEL_PATH'\] are also settings"),
        ({"FLAVOUR": "x"}, {"flavour": "y"}, r"\['FLAVOUR'\] are also settings"),
        ({"HF TOKEN": "x"}, {}, "not environment-variable names"),
    ],
)
def test_a_secret_name_is_a_variable_of_its_own(secrets: dict[str, str], extra: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_server(dataclasses.replace(SERVER, secrets=secrets, extra=extra))


def test_on_kubernetes_the_secrets_are_a_secret_the_pods_read() -> None:
    server = dataclasses.replace(SERVER, secrets={"HF_TOKEN": "placeholder"})
    args = InferenceServiceArgs(namespace="autoglm", image=IMAGE, server=server, accelerator=NVIDIA)
    objects = {item.role: item.manifest for item in service_objects("autoglm", args)}
    assert objects["secrets"]["kind"] == "Secret"
    assert objects["secrets"]["stringData"] == {"HF_TOKEN": "placeholder"}
    assert "HF_TOKEN" not in objects["settings"]["data"]
    (container,) = objects["deployment"]["spec"]["template"]["spec"]["containers"]
    assert container["envFrom"][-1] == {"secretRef": {"name": "autoglm-secrets"}}


def test_without_secrets_there_is_no_secret_object() -> None:
    args = InferenceServiceArgs(namespace="autoglm", image=IMAGE, server=SERVER, accelerator=NVIDIA)
    assert "secrets" not in {item.role for item in service_objects("autoglm", args)}
