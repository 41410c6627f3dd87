"""Module release helpers: documentation generated from the code, so a README never drifts."""
