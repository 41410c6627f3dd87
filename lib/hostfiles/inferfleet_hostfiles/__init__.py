"""One writer per host-file format, each quoting for its format (see README.md)."""

from inferfleet_hostfiles.cloudconfig import CLOUD_CONFIG_HEADER, cloud_config
from inferfleet_hostfiles.envfile import ENV_NAME, environment_file, environment_value
from inferfleet_hostfiles.shell import shell_assignments, shell_script, shell_word
from inferfleet_hostfiles.systemd import Command, command_argument, command_line, plain_value, unit_file

__all__ = [
    "CLOUD_CONFIG_HEADER",
    "ENV_NAME",
    "Command",
    "cloud_config",
    "command_argument",
    "command_line",
    "environment_file",
    "environment_value",
    "plain_value",
    "shell_assignments",
    "shell_script",
    "shell_word",
    "unit_file",
]
