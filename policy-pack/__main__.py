"""inferfleet's policies as a Pulumi CrossGuard policy pack.

    pulumi preview --policy-pack policy-pack      # from the repository root, with the venv active

Every Rego rule of policies/opa becomes a stack policy (mandatory rules mandatory, advisory ones
advisory) decided by a real OPA server started on a loopback port; see inferfleet/gate/crossguard.py.
"""

from pulumi_policy import PolicyPack

from inferfleet.gate.crossguard import stack_policies

PolicyPack(name="inferfleet", policies=stack_policies())
