"""The fleet settings every stack names, as plain types: the stack spec validates them, and commands
that only check a flag against them (`gate --env/--cloud`) need no model classes."""

from typing import Literal

Env = Literal["prod", "staging", "dev"]
Cloud = Literal["huaweicloud", "alicloud", "tencentcloud", "aws"]
