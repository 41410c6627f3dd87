"""inferfleet: declarative GPU inference fleets on Pulumi, planned offline and gated by OPA."""

PROJECT = "inference-fleet"
"""The Pulumi project name; also the config namespace of the structured stack key."""

FLEET_CONFIG_KEY = f"{PROJECT}:fleet"
"""The one structured stack-config key that holds the fleet spec."""
