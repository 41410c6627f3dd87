"""inferfleet's policies as a Pulumi CrossGuard policy pack.

    pulumi preview --policy-pack policy-pack      # from the repository root, with the venv active

Every Rego rule of policies/opa becomes a stack policy (mandatory rules mandatory, advisory ones
advisory) decided by a real OPA process, once per stack; see inferfleet/gate/crossguard.py.
"""

from pulumi_policy import PolicyPack

from inferfleet.gate.crossguard import preserve_secret_marks, stack_policies

preserve_secret_marks()  # a secret prop reaches the policies as SECRET, never in clear
PolicyPack(name="inferfleet", policies=stack_policies())
