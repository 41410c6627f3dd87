"""Tags become valid Kubernetes labels whatever characters they hold."""

from __future__ import annotations

import re

import pytest
from inferfleet_inference_service import label_value, labels_from_tags
from inferfleet_inference_service.labels import label_key

VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


@pytest.mark.parametrize(
    ("tag", "label"),
    [
        ("fleet-oncall@example.com", "fleet-oncall_example.com"),
        ("1.0.0+build.5", "1.0.0_build.5"),
        ("0.4.0-rc.1", "0.4.0-rc.1"),
        ("  Team A / infra  ", "Team_A_infra"),
        ("-leading-and-trailing-", "leading-and-trailing"),
        ("@@@", ""),
        ("x" * 80, "x" * 63),
    ],
)
def test_label_values_are_sanitised(tag: str, label: str) -> None:
    assert label_value(tag) == label
    assert VALUE.match(label_value(tag))


def test_label_keys_keep_a_valid_prefix_and_clean_the_name() -> None:
    assert label_key("cost-center") == "cost-center"
    assert label_key("example.com/owner email") == "example.com/owner_email"
    assert label_key("Not A Prefix/key") == "key"
    assert label_key("***") == "tag"


def test_colliding_tags_keep_the_first_in_key_order() -> None:
    assert labels_from_tags({"a b": "2", "a_b": "1", "team": "x"}) == {"a_b": "2", "team": "x"}
