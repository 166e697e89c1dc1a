"""Retention (EU Directive 2016/680, Art. 5): periods, review dates, a review queue, erasure.

Public surface: :class:`Erasers` (the registry the app and the CLI build at set-up, filled
explicitly — :class:`TableEraser`, :class:`DatasetEraser`, followers receiving
:class:`Erased` batches), and the service functions :func:`set_policy`,
:func:`list_policies`, :func:`status`, :func:`review_queue`, :func:`review` and :func:`apply`.
"""

from pasienis.security.retention.registry import (
    DatasetEraser,
    Erased,
    Erasers,
    Follower,
    TableEraser,
)
from pasienis.security.retention.service import (
    ScopeStatus,
    apply,
    get_policy,
    list_policies,
    review,
    review_queue,
    set_policy,
    status,
)

__all__ = [
    "DatasetEraser",
    "Erased",
    "Erasers",
    "Follower",
    "ScopeStatus",
    "TableEraser",
    "apply",
    "get_policy",
    "list_policies",
    "review",
    "review_queue",
    "set_policy",
    "status",
]
