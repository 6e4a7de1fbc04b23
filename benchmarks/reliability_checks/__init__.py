"""The checks of ``make reliability``: each returns a ``CheckResult`` (see ``result.py``)."""
