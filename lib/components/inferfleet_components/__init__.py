"""What every inferfleet module's components share: declared outputs and deprecations (see README.md)."""

from inferfleet_components.declare import (
    DEPRECATED,
    DeprecatedInputWarning,
    doc,
    register_declared,
    warn_deprecated,
)

__all__ = ["DEPRECATED", "DeprecatedInputWarning", "doc", "register_declared", "warn_deprecated"]
