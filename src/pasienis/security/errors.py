"""Errors of the security capability (mapped to problem+json by the API)."""

from __future__ import annotations

from pasienis.errors import PasienisError


class SecurityError(PasienisError):
    """Root of the security errors."""

    kind = "security"


class UnauthenticatedError(SecurityError):
    """No valid credentials: sign in or send a token."""

    status_code = 401
    kind = "unauthenticated"


class ForbiddenError(SecurityError):
    """Authenticated, but the principal may not do this."""

    status_code = 403
    kind = "forbidden"


class CsrfRejectedError(ForbiddenError):
    """A cookie-authenticated unsafe request without the matching CSRF token."""

    kind = "csrf"


class LockedOutError(SecurityError):
    """Too many failed sign-ins for this account or address."""

    status_code = 429
    kind = "locked-out"

    def __init__(self, message: str, *, retry_after: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class PasswordRejectedError(SecurityError):
    """A new password that breaks the policy."""

    status_code = 422
    kind = "password-policy"


class IdentifierError(SecurityError):
    """A user name or call sign that could pass for another (mixed scripts, invisible marks)."""

    status_code = 422
    kind = "invalid-identifier"


class AuditAnchorError(SecurityError):
    """The audit anchor file cannot be read or holds a line whose signature does not match."""

    status_code = 409
    kind = "audit-anchor"


class RetentionError(SecurityError):
    """A retention policy or review that cannot be: unknown scope, a period under a day."""

    status_code = 422
    kind = "retention"


class UnknownRetentionScopeError(RetentionError):
    """No such dataset or table, or no policy for it."""

    status_code = 404
    kind = "unknown-retention-scope"


class UserExistsError(SecurityError):
    """An account with that name exists already."""

    status_code = 409
    kind = "user-exists"


class UnknownUserError(SecurityError):
    """No account with that name."""

    status_code = 404
    kind = "unknown-user"


class OidcError(SecurityError):
    """The OpenID Connect sign-in failed (misconfigured, or the provider's answer is invalid)."""

    status_code = 400
    kind = "oidc"


class InvalidDatasetNameError(SecurityError):
    """A dataset name outside the strict pattern (no paths, no upper case, no spaces)."""

    status_code = 422
    kind = "invalid-dataset-name"


class PurposeRequiredError(SecurityError):
    """This deployment requires a stated purpose (``X-Purpose``) on reads of personal data."""

    status_code = 400
    kind = "purpose-required"
