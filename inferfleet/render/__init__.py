"""Render what a plan document carries into reviewable files: pools' user data, Kubernetes manifests."""

from inferfleet.render.manifests import manifest_files
from inferfleet.render.userdata import decode_user_data, user_data_files

__all__ = ["decode_user_data", "manifest_files", "user_data_files"]
