"""Cases: a case groups charts, notes, entities, documents and alerts, with members.

Membership is a ``case`` grant (security); contents keep the datasets they came from, so
compartments apply inside a case. Public surface: the functions below and the errors.
"""

from pasienis.cases.errors import (
    CaseError,
    CaseItemError,
    CaseNotFoundError,
    CaseReadOnlyError,
)
from pasienis.cases.service import (
    ITEM_KINDS,
    activity,
    add_item,
    check_writable,
    create_case,
    get_case,
    get_item,
    list_cases,
    members,
    remove_item,
    share,
    unshare,
    update_case,
    update_item,
)

__all__ = [
    "ITEM_KINDS",
    "CaseError",
    "CaseItemError",
    "CaseNotFoundError",
    "CaseReadOnlyError",
    "activity",
    "add_item",
    "check_writable",
    "create_case",
    "get_case",
    "get_item",
    "list_cases",
    "members",
    "remove_item",
    "share",
    "unshare",
    "update_case",
    "update_item",
]
