"""Pull-request review: topology pictures, cost, the preview comment, affected stacks."""
