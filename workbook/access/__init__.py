"""Who may see and do what: roles, identities, personal links (issue #7).

Every permission is decided here, from plain facts, and the store asks before it reads
or writes (:meth:`workbook.store.Store.as_identity`), so the form, the dashboard, the CLI
and the reports obey the same rules and a widget never decides alone.

- An **agency member** sees and edits only their own agencies' returns. Once the chair
  shares a cycle with the partnership, members also see the other agencies' *submitted*
  returns (never another agency's draft) and the cycle's dashboard, read-only.
- The **chair** (moderator) sees every return in the partnership, moderates, marks top
  actions, reopens submitted returns and shares a cycle; the chair does not edit returns.
- An **analyst** reads everything in the partnership and changes nothing.
- An **administrator** sets the workbook up, issues links, and may save returns on an
  agency's behalf (importing a spreadsheet sent by email).

``identity`` holds the roles and :class:`Identity` with its decisions (pure: facts in,
True/False out; kept as methods because the form, the dashboard and the overview ask
them of the identity they hold), ``links`` the personal links, and ``visitor`` decides
whom a page was opened by (hub users: :mod:`workbook.store.hub_users`).
"""

from workbook.access.identity import ANONYMOUS, ROLE_LABELS, Grant, Identity, Role, grant_identity
from workbook.access.links import (
    DEFAULT_LINK_DAYS,
    PAGES,
    TOKEN_BYTES,
    TOKEN_PATTERN,
    Link,
    check_usable,
    day_in_words,
    expiry_from_date,
    link_urls,
    new_token,
    page_url,
    token_hash,
    well_formed,
)
from workbook.access.visitor import (
    HUB_USER_VARIABLE,
    IDENTITY_VARIABLE,
    Visitor,
    default_identity,
    hub_username,
    in_voila_kernel,
    page_visitor,
    visitor_environment,
)

__all__ = [
    "ANONYMOUS",
    "DEFAULT_LINK_DAYS",
    "HUB_USER_VARIABLE",
    "IDENTITY_VARIABLE",
    "PAGES",
    "ROLE_LABELS",
    "TOKEN_BYTES",
    "TOKEN_PATTERN",
    "Grant",
    "Identity",
    "Link",
    "Role",
    "Visitor",
    "check_usable",
    "day_in_words",
    "default_identity",
    "expiry_from_date",
    "grant_identity",
    "hub_username",
    "in_voila_kernel",
    "link_urls",
    "new_token",
    "page_url",
    "token_hash",
    "page_visitor",
    "visitor_environment",
    "well_formed",
]
