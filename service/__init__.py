"""headline-lens serving: the BentoML service, its configuration, cache and feedback store.

The package depends on ``model/`` only (never on ``training/``) and never imports torch.
"""
